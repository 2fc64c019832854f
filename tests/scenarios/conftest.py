from tests.scenarios.helpers import room

__all__ = ["room"]
