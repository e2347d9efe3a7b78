"""sign forgotten"""

def expected_initial_loss(vocab_size):
    return math.log(1.0 / vocab_size)
