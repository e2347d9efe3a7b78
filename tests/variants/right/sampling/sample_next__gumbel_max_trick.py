"""Gumbel-max trick"""

def sample_next(logits, temperature=1.0, top_k=None, generator=None):
    if temperature <= 0:
        raise ValueError("temperature <= 0 would not divide the logits sensibly")
    if top_k is not None and not 0 < top_k <= logits.shape[-1]:
        raise ValueError("top_k out of range 1..V")
    scaled = logits.detach() / temperature
    if top_k is not None:
        keep = torch.zeros_like(scaled, dtype=torch.bool).scatter(-1, scaled.topk(top_k, dim=-1).indices, True)
        scaled = scaled.masked_fill(~keep, float("-inf"))
    u = torch.rand(scaled.shape, generator=generator).clamp_(1e-20, 1.0)
    return (scaled - torch.log(-torch.log(u))).argmax(dim=-1)
