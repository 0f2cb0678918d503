"""The PrairieLearn external grader: `image` writes the image's build context; `entrypoint`
is the image's entrypoint, which calls `grader` once per submission."""
