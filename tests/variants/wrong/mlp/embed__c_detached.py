"""C detached"""

def embed(C, X):
    return C.detach()[X].reshape(X.shape[0], -1)
