"""The learner's commands beyond the self-check: train and sample the MLP, the lecture-4
experiments, the end-of-week page, watch mode and taking a newer release."""
