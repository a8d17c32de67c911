#!/bin/sh
export GITHUB_TOKEN=ghp_M12fpZMv4EaK5m7bYfGdCew7akw3GC3fNjXf
gh api user
