"""The course's training scripts and data loaders, around the library students write.

A package, so that ``make install`` installs it beside ``minitorch``: the
write-ups in ``notebooks/`` import ``project`` from any folder a kernel
starts in.
"""
