"""A local demo news site built from real captured articles, for trying editwatch end to end.

``seed`` parses the shipped seed (three articles, each captured twice) into known-true fields;
``site`` renders them as noisy, publisher-like pages and serves them on 127.0.0.1, so a watch can
be pointed at the demo and a real edit (capture 1 -> capture 2) can be triggered on demand.
"""

__all__: list[str] = []  # the modules are the API: worker.demo.runner, .seed, .site
