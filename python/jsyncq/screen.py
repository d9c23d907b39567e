"""Screen: pysyncq's ``qset`` (a set whose elements are stored as bytes: str is encoded, anything else is
str()-ed first), which also tells its registration after every edit, so that the screen summary in the
slot is republished and the own sleeping reader woken (MessageReader.screensChanged, design.md 5)."""

from .names import name_hash, to_bytes


class Screen(set):
    """A set of sender or type names (as bytes) whose messages a registration skips. It also remembers the
    order names were added in: the summary lists their hashes in that order, as Java's Screen does, so
    that one sequence of edits gives the same slot bytes in both languages (and in every run: a set's own
    order of bytes changes with the interpreter's hash seed)."""

    def __init__(self, iterable=(), on_change=None):
        names = [to_bytes(e) for e in (iterable.in_order() if isinstance(iterable, Screen) else iterable)]
        super().__init__(names)
        self._order = dict.fromkeys(names)
        self._on_change = on_change

    def _changed(self, added=()):
        order, contains = self._order, set.__contains__
        for gone in [e for e in order if not contains(self, e)]:
            del order[gone]
        for e in added:
            if contains(self, e):
                order.setdefault(e)
        for e in self:  # anything a set operation added that the list above missed, in the set's order
            order.setdefault(e)
        if self._on_change is not None:
            self._on_change()

    def in_order(self):
        """The names, in the order they were added."""
        return list(self._order)

    def hashes(self):
        """The FNV-1a hashes writers test records against (the slot's summary), in the order added."""
        return [name_hash(e) for e in self._order]

    def __contains__(self, elem):  # lenient: 'name' in scrnsend works as b'name' in it
        return super().__contains__(elem if isinstance(elem, bytes) else to_bytes(elem))

    def add(self, elem):
        b = to_bytes(elem)
        if not super().__contains__(b):
            super().add(b)
            self._changed((b,))

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
        names = [to_bytes(e) for o in others for e in (o.in_order() if isinstance(o, Screen) else o)]
        super().update(names)
        self._changed(names)

    def difference_update(self, *others):
        super().difference_update(*([to_bytes(e) for e in o] for o in others))
        self._changed()

    def intersection_update(self, *others):
        super().intersection_update(*([to_bytes(e) for e in o] for o in others))
        self._changed()

    def symmetric_difference_update(self, other):
        names = [to_bytes(e) for e in other]
        super().symmetric_difference_update(names)
        self._changed(names)

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
        return (Screen, (self.in_order(),))
