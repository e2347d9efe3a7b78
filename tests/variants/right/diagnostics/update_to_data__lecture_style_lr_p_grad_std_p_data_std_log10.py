"""lecture style: ((lr * p.grad).std() / p.data.std()).log10().item()"""

def update_to_data(parameters, lr):
    return [((lr * p.grad).std() / p.data.std()).log10().item() if p.grad is not None else float("nan")
            for p in parameters]
