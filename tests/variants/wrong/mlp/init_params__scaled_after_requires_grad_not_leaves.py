"""scaled after requires_grad: not leaves"""

def init_params(vocab_size, block_size=3, n_embd=10, n_hidden=200, generator=None):
    def draw(*shape):
        return torch.randn(shape, generator=generator, requires_grad=True) * 1.0
    return {"C": draw(vocab_size, n_embd), "W1": draw(block_size * n_embd, n_hidden), "b1": draw(n_hidden),
            "W2": draw(n_hidden, vocab_size), "b2": draw(vocab_size)}
