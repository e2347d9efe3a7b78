"""pyplot's state: plt.hist with histtype='stepfilled'"""

def plot_histograms(tensors_by_name, path, title=""):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.figure(figsize=(10, 4), dpi=100)
    for name, t in tensors_by_name.items():
        plt.hist(t.detach().view(-1).tolist(), bins=40, density=True, histtype="stepfilled", alpha=0.4,
                 label=name)
    plt.legend()
    plt.title(title)
    plt.savefig(path, dpi=100)
    plt.close()
