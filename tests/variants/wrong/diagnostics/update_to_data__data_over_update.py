"""data over update"""

def update_to_data(parameters, lr):
    return [(p.data.std() / (lr * p.grad).std()).log10().item() for p in parameters]
