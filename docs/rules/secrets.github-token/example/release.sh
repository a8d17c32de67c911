#!/bin/sh
export GITHUB_TOKEN=ghp_6DNLLgGxJCbUUrt93l4BczNvltFhjG9yO7uR
gh release create "$1"
