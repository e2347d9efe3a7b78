"""torch.std_mean with the biased std, a count over numel"""

def activation_stats(t, threshold=0.97):
    std, mean = torch.std_mean(t.detach(), unbiased=False)
    saturated = (t.detach().abs() > threshold).sum().item() / t.numel()
    return dict(mean=mean.item(), std=std.item(), saturated=saturated)
