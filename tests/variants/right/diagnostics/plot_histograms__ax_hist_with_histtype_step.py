"""ax.hist with histtype='step'"""

def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 4), dpi=100)
    for name, t in tensors_by_name.items():
        ax.hist(t.detach().flatten().numpy(), bins=50, density=True, histtype="step", label=name)
    ax.legend()
    ax.set_title(title)
    fig.savefig(path, dpi=100)
    plt.close(fig)
