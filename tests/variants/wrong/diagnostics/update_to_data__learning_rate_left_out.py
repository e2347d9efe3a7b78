"""learning rate left out"""

def update_to_data(parameters, lr):
    return [(p.grad.std() / p.data.std()).log10().item() for p in parameters]
