"""start and end left out"""

def nll(probs, words, stoi):
    logs = [probs[stoi[a], stoi[b]].log().item() for w in words for a, b in zip(w, w[1:])]
    return -sum(logs) / len(logs)
