"""Screen: pysyncq's ``qset`` (a set whose elements are stored as bytes: str is encoded, anything else is
str()-ed first), which also tells its registration after every edit, so that the screen summary in the
slot is republished and the own sleeping reader woken (MessageReader.screensChanged, design.md 5)."""

from .names import name_hash, to_bytes


class Screen(set):
    """A set of sender or type names (as bytes) whose messages a registration skips."""

    def __init__(self, iterable=(), on_change=None):
        super().__init__(to_bytes(e) for e in iterable)
        self._on_change = on_change

    def _changed(self):
        if self._on_change is not None:
            self._on_change()

    def hashes(self):
        """The FNV-1a hashes writers test records against (the slot's summary)."""
        return [name_hash(e) for e in self]

    def __contains__(self, elem):  # lenient: 'name' in scrnsend works as b'name' in it
        return super().__contains__(elem if isinstance(elem, bytes) else to_bytes(elem))

    def add(self, elem):
        b = to_bytes(elem)
        if not super().__contains__(b):
            super().add(b)
            self._changed()

    def discard(self, elem):
        b = to_bytes(elem)
        if super().__contains__(b):
            super().discard(b)
            self._changed()

    def remove(self, elem):
        super().remove(to_bytes(elem))
        self._changed()

    def pop(self):
        e = super().pop()
        self._changed()
        return e

    def clear(self):
        if len(self):
            super().clear()
            self._changed()

    def update(self, *others):
        super().update(*([to_bytes(e) for e in o] for o in others))
        self._changed()

    def difference_update(self, *others):
        super().difference_update(*([to_bytes(e) for e in o] for o in others))
        self._changed()

    def intersection_update(self, *others):
        super().intersection_update(*([to_bytes(e) for e in o] for o in others))
        self._changed()

    def symmetric_difference_update(self, other):
        super().symmetric_difference_update([to_bytes(e) for e in other])
        self._changed()

    def __ior__(self, other):
        self.update(other)
        return self

    def __isub__(self, other):
        self.difference_update(other)
        return self

    def __iand__(self, other):
        self.intersection_update(other)
        return self

    def __ixor__(self, other):
        self.symmetric_difference_update(other)
        return self

    def __reduce__(self):  # pickles as a plain screen, without its registration
        return (Screen, (list(self),))
