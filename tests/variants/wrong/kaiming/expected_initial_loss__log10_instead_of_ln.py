"""log10 instead of ln"""

def expected_initial_loss(vocab_size):
    return math.log10(vocab_size)
