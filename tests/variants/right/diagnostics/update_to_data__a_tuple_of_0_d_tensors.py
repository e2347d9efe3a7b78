"""a tuple of 0-d tensors"""

def update_to_data(parameters, lr):
    ratios = []
    for p in parameters:
        if p.grad is None:
            ratios.append(torch.tensor(float("nan")))
        else:
            ratios.append(torch.log10((lr * p.grad.detach()).std() / p.detach().std()))
    return tuple(ratios)
