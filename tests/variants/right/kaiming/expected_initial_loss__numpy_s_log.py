"""numpy's log"""

import numpy as np

def expected_initial_loss(vocab_size):
    return -np.log(1 / vocab_size)
