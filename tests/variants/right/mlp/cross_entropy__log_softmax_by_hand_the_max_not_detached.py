"""log-softmax by hand, the max not detached"""

def cross_entropy(logits, Y):
    shifted = logits - logits.max(1, keepdim=True).values
    logprobs = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -logprobs.gather(1, Y.unsqueeze(1)).mean()
