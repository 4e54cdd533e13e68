"""Pictures for people: sequences per class, and training curves."""

from __future__ import annotations

import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from rgan.data.images import to_images  # noqa: E402
from rgan.io import atomic_path  # noqa: E402
from rgan.metrics.per_class import LARGER_IS_WORSE  # noqa: E402


def save_figure(fig: plt.Figure, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)


def as_pictures(X: np.ndarray, meta: dict) -> tuple[np.ndarray, tuple[float, float]]:
    """Sequences as 2-D pictures (images as images, series with time on x and features on y)
    and the value range to draw: [-1, 1] for scaled data, else the 1st–99th percentile."""
    if "layout" in meta:
        pictures = to_images(X, meta["layout"], meta["height"], meta["width"])
    else:
        pictures = X.transpose(0, 2, 1)
    if np.abs(pictures).max() <= 1:
        return pictures, (-1.0, 1.0)
    low, high = np.percentile(pictures, [1, 99])
    return pictures, (float(low), float(high))


def class_grid(
    X: np.ndarray,
    y: np.ndarray,
    class_names: list[str],
    path: str | os.PathLike,
    title: str,
    meta: dict,
    per_class: int = 10,
) -> None:
    """One row per class (one row for unlabelled samples), `per_class` sequences each, as
    images: image data as the images they are; time series with time on x and features on y."""
    X, (low, high) = as_pictures(X, meta)
    classes = np.unique(y)
    fig, axes = plt.subplots(
        len(classes),
        per_class,
        figsize=(per_class * 0.9, len(classes) * 0.9 + 0.6),
        squeeze=False,
    )
    for row, label in zip(axes, classes, strict=True):
        members = np.flatnonzero(y == label)[:per_class]
        for column, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if column < len(members):
                ax.imshow(X[members[column]], cmap="gray", vmin=low, vmax=high, aspect="auto")
        name = class_names[label][:16] if label >= 0 else "unlabelled"
        row[0].set_ylabel(name, rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize=9)
    save_figure(fig, path)


def training_curves(history: pd.DataFrame, best_epoch: int, path: str | os.PathLike) -> None:
    """Discriminator and generator loss per epoch, and validation MMD² with the exported epoch."""
    fig, (losses, mmd) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    losses.plot(history["epoch"], history["d_loss"], label="discriminator")
    losses.plot(history["epoch"], history["g_loss"], label="generator")
    losses.set_ylabel("loss")
    losses.legend()
    evaluated = history.dropna(subset=["val_mmd2"])
    mmd.plot(evaluated["epoch"], evaluated["val_mmd2"].clip(lower=1e-6), marker=".")
    mmd.set_yscale("log")
    mmd.axvline(best_epoch, color="grey", linestyle="--", label=f"exported (epoch {best_epoch})")
    mmd.set_ylabel("validation MMD²")
    mmd.set_xlabel("epoch")
    mmd.legend()
    save_figure(fig, path)


def to_pixels(X: np.ndarray, meta: dict) -> np.ndarray:
    """Sequences as 8-bit pictures: images as images, series with time on x."""
    pictures, (low, high) = as_pictures(X, meta)
    return (np.clip((pictures - low) / (high - low), 0, 1) * 255).astype(np.uint8)


def snapshot_grid(samples: np.ndarray, n_classes: int, meta: dict, cell_pixels: int = 48):
    """Samples of one snapshot (one row per class) as one 8-bit picture."""
    pictures = to_pixels(samples, meta)
    per_class = len(pictures) // n_classes
    height, width = pictures.shape[1:]
    scale = max(1, cell_pixels // max(height, width))
    rows = [
        np.concatenate(list(pictures[c * per_class : (c + 1) * per_class]), axis=1)
        for c in range(n_classes)
    ]
    return np.concatenate(rows, axis=0).repeat(scale, axis=0).repeat(scale, axis=1)


def progress_gif(
    snapshots: list[tuple[int, np.ndarray]],
    n_classes: int,
    meta: dict,
    path: str | os.PathLike,
    cell_pixels: int = 48,
) -> None:
    """One frame per snapshot (samples of fixed noise, one row per class) as an animated GIF."""
    frames = [
        Image.fromarray(snapshot_grid(samples, n_classes, meta, cell_pixels), mode="L")
        for _, samples in snapshots
    ]
    if not frames:
        frames = [Image.new("L", (cell_pixels, cell_pixels))]
    with atomic_path(path) as tmp:
        frames[0].save(
            tmp, format="GIF", save_all=True, append_images=frames[1:], duration=200, loop=0
        )


def embedding_plot(
    real: np.ndarray,
    synthetic: np.ndarray,
    path: str | os.PathLike,
    title: str,
    points: int = 500,
    seed: int = 0,
) -> None:
    """PCA and t-SNE maps of up to `points` real and synthetic sequences (flattened) each: the
    two clouds should overlap."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    rng = np.random.default_rng(seed)
    sets = [
        X[rng.choice(len(X), min(points, len(X)), replace=False)].reshape(min(points, len(X)), -1)
        for X in (real, synthetic)
    ]
    pooled = np.concatenate(sets)
    components = min(50, *pooled.shape)
    reduced = PCA(n_components=components, random_state=seed).fit_transform(pooled)
    perplexity = min(30.0, (len(pooled) - 1) / 3)
    maps = {
        "PCA": reduced[:, :2],
        "t-SNE": TSNE(perplexity=perplexity, init="pca", random_state=seed).fit_transform(reduced),
    }
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    for ax, (name, coordinates) in zip(axes, maps.items(), strict=True):
        real_part, synthetic_part = coordinates[: len(sets[0])], coordinates[len(sets[0]) :]
        ax.scatter(*real_part.T, s=4, alpha=0.5, label="real (test)")
        ax.scatter(*synthetic_part.T, s=4, alpha=0.5, label="synthetic")
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].legend(markerscale=3)
    fig.suptitle(title, fontsize=9)
    save_figure(fig, path)


def message_figure(
    fig: plt.Figure, ax: plt.Axes, message: str, title: str, path: str | os.PathLike
) -> None:
    """Save `fig` as a figure that only says `message`: there is nothing to plot."""
    ax.text(0.5, 0.5, textwrap.fill(message, 60), ha="center", va="center", fontsize=9)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def distance_plot(
    distances: dict[str, np.ndarray] | None,
    auc: float,
    path: str | os.PathLike,
    title: str,
    missing: str,
) -> None:
    """Distance from training (`members`) and held-out (`non_members`) sequences to their closest
    synthetic sequence: the same distributions mean no membership signal. Without distances
    (nothing held out), a figure that says `missing`."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    if distances is None:
        message_figure(fig, ax, missing, title, path)
        return
    members, non_members = distances["members"], distances["non_members"]
    bins = np.histogram_bin_edges(np.concatenate([members, non_members]), bins=40)
    ax.hist(members, bins=bins, alpha=0.6, density=True, label="training split (members)")
    ax.hist(non_members, bins=bins, alpha=0.6, density=True, label="held out (non-members)")
    ax.set_xlabel("distance to the closest synthetic sequence")
    ax.set_ylabel("density")
    ax.legend()
    ax.set_title(f"{title}\nmembership-inference AUC {auc:.3f} (0.5: no leak)", fontsize=9)
    save_figure(fig, path)


def per_class_plot(
    scores: dict[str, dict[str, float]], path: str | os.PathLike, title: str, missing: str
) -> None:
    """A table of each class's fidelity and privacy scores (rgan.metrics.per_class), each
    column coloured from its best class (light) to its worst (dark red); without classes, a
    figure that says `missing`."""
    names = list(scores)
    fig, ax = plt.subplots(figsize=(6, 1.2 + 0.28 * max(len(names), 1)))
    if not names:
        message_figure(fig, ax, missing, title, path)
        return
    columns = list(LARGER_IS_WORSE)
    values = np.array([[scores[name][column] for column in columns] for name in names])
    badness = np.zeros_like(values)
    for j, column in enumerate(columns):
        finite = values[np.isfinite(values[:, j]), j]
        if finite.size and np.ptp(finite) > 0:
            scaled = (values[:, j] - finite.min()) / np.ptp(finite)
            badness[:, j] = scaled if LARGER_IS_WORSE[column] else 1 - scaled
    ax.imshow(np.nan_to_num(badness), cmap="Reds", vmin=0, vmax=1.6, aspect="auto")
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, "n/a" if np.isnan(value) else f"{value:.3g}", ha="center", va="center")
    ax.set_xticks(range(len(columns)), columns, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_title(f"{title}\nper class (darker: worse within the column)", fontsize=9)
    save_figure(fig, path)


def side_by_side(
    real: np.ndarray,
    real_labels: np.ndarray,
    synthetic: np.ndarray,
    synthetic_labels: np.ndarray,
    n_classes: int,
    meta: dict,
    path: str | os.PathLike,
    title: str,
    per_class: int = 6,
) -> None:
    """Real and synthetic sequences, `per_class` per class in one row per class, side by side
    (unlabelled synthetic sequences fill the rows in order)."""

    def rows(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        if (y < 0).all():
            return X[: per_class * n_classes]
        chosen = [np.flatnonzero(y == label)[:per_class] for label in range(n_classes)]
        return X[np.concatenate(chosen)]

    fig, axes = plt.subplots(1, 2, figsize=(10, 0.5 * n_classes + 1.2))
    for ax, name, X, y in (
        (axes[0], "real (test split)", real, real_labels),
        (axes[1], "synthetic", synthetic, synthetic_labels),
    ):
        ax.imshow(snapshot_grid(rows(X, y), n_classes, meta), cmap="gray", vmin=0, vmax=255)
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(textwrap.fill(title, 120), fontsize=8)
    save_figure(fig, path)


def frontier_plot(
    points: pd.DataFrame,
    metrics: list[str],
    curves: list[str],
    path: str | os.PathLike,
    title: str,
) -> None:
    """Each of `metrics` (seeds averaged, ± their standard deviation) against the ε the grid's
    private points spent, a curve per combination of the `curves` keys, and each point without
    privacy as a dashed reference line; without private points, a figure that says so."""
    epsilon = points.get("dp_epsilon_mean", pd.Series(np.nan, index=points.index))
    private, reference = points[epsilon.notna()], points[epsilon.isna()]
    if private.empty or not metrics:
        message = (
            "no run of this grid trains with differential privacy: give the grid "
            "dp_noise_multiplier or dp_target_epsilon values (README, 'Differential privacy')"
        )
        message_figure(*plt.subplots(figsize=(3.8, 3.4)), message, title, path)
        return
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.8 * len(metrics), 3.4), squeeze=False)
    groups = list(private.groupby(curves, sort=True)) if curves else [((), private)]
    for ax, metric in zip(axes[0], metrics, strict=True):
        for key, curve in groups:
            values = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{k} {v}" for k, v in zip(curves, values, strict=True)) or "DP-SGD"
            curve = curve.sort_values("dp_epsilon_mean")
            ax.errorbar(
                curve["dp_epsilon_mean"],
                curve[f"{metric}_mean"],
                yerr=curve[f"{metric}_sd"].fillna(0),
                fmt="-o",
                ms=4,
                capsize=2,
                label=label,
            )
        for _, row in reference.iterrows():
            name = "no DP" if len(reference) == 1 else f"no DP: {row['point']}"
            ax.axhline(row[f"{metric}_mean"], ls="--", lw=1, color="0.3", label=name)
        if metric == "mia_auc":
            ax.axhline(0.5, ls=":", lw=1, color="0.5", label="chance")
            ax.legend(fontsize=7)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ticker.ScalarFormatter())
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel("ε spent (at each run's δ)")
        ax.set_ylabel(metric, fontsize=8)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)


def grid_plot(
    table: pd.DataFrame,
    metric: str,
    axes_keys: list[str],
    heatmap: tuple[str, str] | None,
    path: str | os.PathLike,
    title: str,
) -> None:
    """`metric` against each hyper-parameter the grid varies (every run a dot, the mean over
    the other keys a line), and a heat map of its mean over two of them."""
    panels = len(axes_keys) + (heatmap is not None)
    fig, axes = plt.subplots(1, max(panels, 1), figsize=(3.6 * max(panels, 1), 3.4), squeeze=False)
    axes = axes[0]
    if not panels:
        axes[0].text(0.5, 0.5, "one grid point:\nnothing to compare", ha="center", va="center")
        axes[0].set_axis_off()
    for ax, key in zip(axes, axes_keys, strict=False):
        values = sorted(table[key].unique(), key=str)
        positions = {value: i for i, value in enumerate(values)}
        x = table[key].map(positions).to_numpy(dtype=float)
        jitter = np.random.default_rng(0).uniform(-0.08, 0.08, len(x))
        ax.scatter(x + jitter, table[metric], s=14, alpha=0.6)
        means = table.groupby(key, sort=False)[metric].mean()
        ax.plot(range(len(values)), [means.get(value, np.nan) for value in values], "k-o", ms=4)
        ax.set_xticks(range(len(values)), [str(value) for value in values])
        ax.set_xlabel(key)
        ax.set_ylabel(metric, fontsize=8)
    if heatmap is not None:
        ax = axes[-1]
        rows, columns = heatmap
        grid = table.pivot_table(index=rows, columns=columns, values=metric, aggfunc="mean")
        image = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", aspect="auto")
        for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7, color="w")
        ax.set_xticks(range(grid.shape[1]), [str(value) for value in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [str(value) for value in grid.index])
        ax.set_xlabel(columns)
        ax.set_ylabel(rows)
        fig.colorbar(image, ax=ax, label=f"mean {metric}")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)
