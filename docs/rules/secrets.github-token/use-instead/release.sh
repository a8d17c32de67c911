#!/bin/sh
# CI provides GITHUB_TOKEN; locally: export GITHUB_TOKEN="$(gh auth token)"
gh release create "$1"
