# The entry point users run: the workflow itself is workflow/Snakefile (the standard layout,
# deployable as a Snakemake module); see README.md.


include: "workflow/Snakefile"


# An included file's default target does not carry over to the including one: name it here.
rule default:
    default_target: True
    input:
        rules.all.input,
    localrule: True
