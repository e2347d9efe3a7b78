"""tensors not detached"""

def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI)
    for name, t in tensors_by_name.items():
        hy, hx = torch.histogram(t.float().flatten(), bins=50, density=True)
        ax.plot(hx[:-1].numpy(), hy.numpy(), label=name)
    ax.legend()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
