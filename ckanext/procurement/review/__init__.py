"""Review before publishing: the processes a source set to `publish: after_review`
keeps private until a coordinator publishes them, or withholds them with a reason.

`state` holds what is stored on each dataset and who may change it, `logic`
the actions, `views` the organization's review queue page.
"""
