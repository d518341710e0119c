"""The sandbox side: code that runs in the worker process, next to student code.

This package imports nothing from the rest of ``graders``: the sandbox holds a copy of this
folder alone (no solutions, no hidden graders), imported under the name ``worker``.

- ``zygote``     the warm template process: torch imported once, one forked child per submission
- ``child``      a child's request loop: load the submission, import modules, run probes
- ``loader``     imports the submission from source text held in memory
- ``probe``      the probe registry and the context a probe runs student code in
- ``probes/``    the probes themselves: generic calls and lesson-specific ones
- ``forbidden``  runtime detection of forbidden calls
- ``isolation``  the walls raised around each child: its cgroups, namespaces, private /tmp, no capabilities
- ``limits``     resource limits and process-tree cleanup
- ``codec``      the message format shared with the grader
"""
