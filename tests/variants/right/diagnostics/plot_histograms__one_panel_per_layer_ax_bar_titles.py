"""one panel per layer, ax.bar, titles"""

def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(tensors_by_name), figsize=(10, 4), dpi=100, squeeze=False)
    for ax, (name, t) in zip(axes[0], tensors_by_name.items()):
        density, edges = torch.histogram(t.detach().float().flatten(), bins=25, density=True)
        ax.bar(edges[:-1].numpy(), density.numpy(), width=(edges[1:] - edges[:-1]).numpy(), align="edge")
        ax.set_title(name)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
