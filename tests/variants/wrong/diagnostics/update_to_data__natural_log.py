"""natural log"""

def update_to_data(parameters, lr):
    return [((lr * p.grad).std() / p.data.std()).log().item() for p in parameters]
