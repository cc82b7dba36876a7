"""Chinese text for every English interface string (see leadtui/i18n.py)."""

ZH: dict[str, str] = {
}
