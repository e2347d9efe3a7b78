"""embeddings interleaved (transpose before the reshape)"""

def embed(C, X):
    return C[X].transpose(1, 2).reshape(X.shape[0], -1)
