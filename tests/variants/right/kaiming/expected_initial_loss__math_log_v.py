"""math.log(V)"""

def expected_initial_loss(vocab_size):
    return math.log(vocab_size)
