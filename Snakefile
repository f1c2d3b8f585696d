# The entry point users run: the workflow itself is workflow/Snakefile (the standard layout,
# deployable as a Snakemake module); see README.md.


include: "workflow/Snakefile"
