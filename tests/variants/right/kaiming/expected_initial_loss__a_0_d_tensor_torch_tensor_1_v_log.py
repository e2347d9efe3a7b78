"""a 0-d tensor: -torch.tensor(1 / V).log()"""

def expected_initial_loss(vocab_size):
    return -torch.tensor(1.0 / vocab_size).log()
