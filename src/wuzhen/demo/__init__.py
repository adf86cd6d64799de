"""The demonstration compact: a fresh node with every state admitted, one account per role,
confirmed contacts and sample evidence the project ships (see :mod:`wuzhen.demo.prepare`)."""
