"""The sandbox side: code that runs in the worker process, next to student code.

This package imports nothing from the rest of ``graders`` but the course's probe files
(``graders/<lesson>/probes_*.py``, which ``probe.load_all`` imports): the sandbox holds a copy
of this folder and of those files, and nothing else: no solutions, no hidden graders
(graders/host/sandbox.py).

- ``zygote``     the warm template process: torch imported once, one forked child per submission
- ``child``      a child's request loop: load the submission, import modules, run probes
- ``loader``     imports the submission from source text held in memory
- ``probe``      the probe registry and the context a probe runs student code in
- ``calls``      the generic probes every lesson uses: call, call_backward, call_raises, call_module
- ``forbidden``  runtime detection of forbidden calls
- ``isolation``  the walls raised around each child: its cgroups, namespaces, private /tmp, no capabilities
- ``limits``     resource limits and process-tree cleanup
- ``codec``      the message format shared with the grader
"""
