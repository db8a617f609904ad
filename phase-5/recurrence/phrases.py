"""Friendly phrases ("every Monday and Friday at 10 AM") compiled to RRULE text.

A small hand-written recursive-descent parser over words. It accepts a fixed set of
shapes and refuses everything else: a phrase it does not understand is an error that
suggests the RRULE form, never a guess. Times without am/pm use the 24-hour clock
("at 9" is 09:00, "at 17:45" is 17:45).

Chatbot shapes: "twice a week" is Monday and Thursday, "three times a week" Monday,
Wednesday and Friday (stated defaults: spread over the week); "every 2nd Tuesday" is
every other Tuesday ("the 2nd Tuesday of every month" is monthly); "every weekday except
Friday" removes days. "Every hour" and anything more frequent is refused with the reason:
every repeat is a task to complete, so tasks repeat at most daily (several times a day by
naming the times: "every day at 9, 13 and 17").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from recurrence.errors import RecurrenceError
from recurrence.limits import MAX_RULE_LENGTH
from recurrence.mode import Mode
from recurrence.rules import ByDay, Freq, Rule, parse_rule

_WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
_DAY_GROUPS = {"weekday": (0, 1, 2, 3, 4), "weekend": (5, 6)}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_UNITS = {
    "day": Freq.DAILY, "days": Freq.DAILY, "week": Freq.WEEKLY, "weeks": Freq.WEEKLY,
    "month": Freq.MONTHLY, "months": Freq.MONTHLY, "year": Freq.YEARLY, "years": Freq.YEARLY,
}  # fmt: skip
_ADVERBS = {
    "daily": (Freq.DAILY, 1), "weekly": (Freq.WEEKLY, 1), "fortnightly": (Freq.WEEKLY, 2),
    "monthly": (Freq.MONTHLY, 1), "yearly": (Freq.YEARLY, 1), "annually": (Freq.YEARLY, 1),
    "everyday": (Freq.DAILY, 1),
}  # fmt: skip
_NUMBERED = re.compile(r"([0-9]{1,4})(st|nd|rd|th)?")
_SUB_DAILY_PHRASE = re.compile(
    r"\b(hourly|half[- ]hourly|(every|each) (([0-9]+|other|few|couple of|half an?) )?"
    r"(hours?|minutes?|mins?))\b"
)
_TIMES_A_WEEK = {
    "twice": "every monday and thursday",
    "two times": "every monday and thursday",
    "three times": "every monday, wednesday and friday",
}
_TIMES_A_WEEK_PHRASE = re.compile(r"^(twice|two times|three times) (a|per|each|every) week\b")
_EXCEPT = ("except", "excluding", "but")
_AFTER_ORDINAL = {"day", "weekday", *_WEEKDAYS, *(f"{name}s" for name in _WEEKDAYS)}

_AFTER_COMPLETION = re.compile(
    r"\bafter (?:(?:i|you|we) (?:finish|finished|complete|completed|do|did)(?: it| the task)?"
    r"|(?:i'm|i am|you're|you are|we're|we are) (?:done|finished)(?: with it)?"
    r"|(?:each |the last )?completion|completing(?: it)?|(?:it is|it's) (?:done|completed))$"
)
_TIME = r"(?:[0-9]{1,2}(?:[:.][0-9]{2})?\s*(?:[ap]\.?m\.?)?|noon|midnight)"
_TIME_CLAUSE = re.compile(rf"(?:^|\s)at\s+({_TIME}(?:\s*(?:,|and|&)\s*{_TIME})*)(?=\s|$)")
_ONE_TIME = re.compile(
    r"(?:(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?\s*(?P<half>[ap]\.?m\.?)?"
    r"|(?P<word>noon|midnight))"
)


@dataclass(frozen=True)
class CompiledPhrase:
    rrule: str
    mode: Mode | None  # AFTER_COMPLETION when the phrase says "after I finish"


class _NotUnderstood(Exception):
    pass


def compile_phrase(text: str) -> str:
    """Phrase -> canonical RRULE text; RecurrenceError(field="rule") if not understood."""
    return parse_phrase(text).rrule


def parse_phrase(text: str) -> CompiledPhrase:
    if len(text) > MAX_RULE_LENGTH:
        raise RecurrenceError("rule", f"The rule is too long: at most {MAX_RULE_LENGTH} characters")
    shown = text.strip()
    normalized = re.sub(r"\s+", " ", shown.lower().replace("\u2019", "'")).strip(" .!")
    mode: Mode | None = None
    if _SUB_DAILY_PHRASE.search(normalized):
        raise RecurrenceError(
            "rule",
            "Repeating every hour (or more often) is not supported: every repeat is a task "
            "to complete, so tasks repeat at most daily. For several times a day, name the "
            'times: "every day at 9, 13 and 17".',
        )
    normalized = _TIMES_A_WEEK_PHRASE.sub(lambda m: _TIMES_A_WEEK[m.group(1)], normalized, count=1)
    try:
        normalized, hours, minutes = _take_times(normalized)
        suffix = _AFTER_COMPLETION.search(normalized)
        if suffix is not None:
            mode = Mode.AFTER_COMPLETION
            normalized = normalized[: suffix.start()].strip(" ,")
        rule = _Parser(_tokens(normalized)).phrase()
    except _NotUnderstood:
        raise RecurrenceError(
            "rule",
            f'Could not understand "{shown[:80]}"; write it as an RRULE such as '
            "FREQ=WEEKLY;BYDAY=MO",
        ) from None
    rule = replace(rule, byhour=hours, byminute=minutes)
    try:
        checked = parse_rule(str(rule))
    except RecurrenceError as exc:
        raise RecurrenceError("rule", f'Could not use "{shown[:80]}": {exc.message}') from None
    return CompiledPhrase(str(checked), mode)


def _take_times(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    clauses = list(_TIME_CLAUSE.finditer(text))
    if not clauses:
        return text, (), ()
    if len(clauses) > 1:
        raise _NotUnderstood
    clause = clauses[0]
    times = [_one_time(match) for match in _ONE_TIME.finditer(clause.group(1))]
    minutes = {minute for _, minute in times}
    if len(minutes) > 1:
        # BYHOUR x BYMINUTE would add every cross combination (09:00 and 17:30 would
        # also give 09:30 and 17:00): refuse instead of scheduling extra times.
        raise _NotUnderstood
    rest = (text[: clause.start()] + " " + text[clause.end() :]).strip()
    return rest, tuple(sorted({hour for hour, _ in times})), tuple(minutes)


def _one_time(match: re.Match[str]) -> tuple[int, int]:
    word = match.group("word")
    if word is not None:
        return (12, 0) if word == "noon" else (0, 0)
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    half = (match.group("half") or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            raise _NotUnderstood
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise _NotUnderstood
    return hour, minute


def _tokens(text: str) -> list[str]:
    spaced = text.replace(",", " , ").replace("&", " and ").replace("/", " , ")
    spaced = re.sub(r"\bsecond[- ]to[- ]last\b|\bsecond last\b|\bpenultimate\b", "-2", spaced)
    return spaced.split()


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.tokens[index] if index < len(self.tokens) else ""

    def take(self, *words: str) -> bool:
        if self.peek() in words:
            self.at += 1
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.take(*words):
            raise _NotUnderstood

    def phrase(self) -> Rule:
        rule = self._lead()
        if self.at != len(self.tokens):
            raise _NotUnderstood
        return rule

    def _lead(self) -> Rule:
        word = self.peek()
        if word in _ADVERBS:
            self.at += 1
            freq, interval = _ADVERBS[word]
            return self._details(Rule(freq, interval))
        if self.take("every", "each"):
            return self._every()
        if (word == "on" and _is_plural_day(self.peek(1))) or _is_plural_day(word):
            self.take("on")
            return Rule(Freq.WEEKLY, byday=self._days())
        return self._monthly_day_of_month()

    def _every(self) -> Rule:
        word = self.peek()
        if word == "fortnight":
            self.at += 1
            return self._details(Rule(Freq.WEEKLY, 2))
        if word in _UNITS and not word.endswith("s"):
            self.at += 1
            return self._details(Rule(_UNITS[word]))
        if self._is_alternate_day():  # "every 2nd Tuesday", "every second Tuesday"
            return Rule(Freq.WEEKLY, self._ordinal(), byday=self._days())
        if word == "other" or (_NUMBERED.fullmatch(word) and self.peek(1) in _UNITS):
            self.at += 1
            interval = 2 if word == "other" else int(word)
            return self._interval(interval)
        if word in _NUMBER_WORDS and self.peek(1) in _UNITS:
            self.at += 1
            return self._interval(_NUMBER_WORDS[word])
        if self._is_day(word):
            return Rule(Freq.WEEKLY, byday=self._days())
        if word in _MONTHS or self._is_date_start():
            return self._yearly_date(Rule(Freq.YEARLY))
        return self._monthly_day_of_month()

    def _is_alternate_day(self) -> bool:
        """An ordinal before a weekday with no "of the month" after it: weekly interval."""
        word = self.peek()
        ordinal = word in ("second", "third", "fourth") or (
            _NUMBERED.fullmatch(word) is not None and not word.isdigit()
        )
        if not ordinal or not self._is_day(self.peek(1)) or len(_weekdays(self.peek(1))) != 1:
            return False
        return "of" not in self.tokens[self.at :]

    def _interval(self, interval: int) -> Rule:
        unit = self.peek()
        if unit in _UNITS:
            self.at += 1
            return self._details(Rule(_UNITS[unit], interval))
        if self._is_day(unit):  # "every other Monday"
            return Rule(Freq.WEEKLY, interval, byday=self._days())
        raise _NotUnderstood

    def _details(self, rule: Rule) -> Rule:
        """The optional "on ..." that follows a frequency."""
        if not self.take("on"):
            return rule
        if rule.freq is Freq.WEEKLY:
            return replace(rule, byday=self._days())
        if rule.freq is Freq.MONTHLY:
            return self._month_days(rule)
        if rule.freq is Freq.YEARLY:
            return self._yearly_date(rule)
        raise _NotUnderstood

    def _monthly_day_of_month(self) -> Rule:
        """ "(on) the 15th of every month", "(every) last day of the month"."""
        self.take("on")
        return self._month_days(Rule(Freq.MONTHLY), require_of=True)

    def _month_days(self, rule: Rule, *, require_of: bool = False) -> Rule:
        """ "the 15th", "the 1st and 15th", "day 15", "the last Friday", "the last day"."""
        self.take("the")
        numbered = _NUMBERED.fullmatch(self.peek()) and self.peek(1) not in _AFTER_ORDINAL
        if self.take("day", "days") or numbered:
            result = replace(rule, bymonthday=self._day_numbers())
        else:
            result = self._ordinal_days(rule)
        if not self._of_month() and require_of:
            raise _NotUnderstood
        return result

    def _ordinal_days(self, rule: Rule) -> Rule:
        ordinal = self._ordinal()
        if self.peek() == "of" and ordinal > 0:  # "the first of every month"
            return replace(rule, bymonthday=(ordinal,))
        word = self.peek()
        self.at += 1
        if word == "day":
            return replace(rule, bymonthday=(ordinal,))
        if word == "weekday":
            # "the last weekday": the last of Monday..Friday in the month.
            weekdays = tuple(ByDay(day) for day in _DAY_GROUPS["weekday"])
            return replace(rule, byday=weekdays, bysetpos=(ordinal,))
        days = _weekdays(word)
        if len(days) != 1:
            raise _NotUnderstood
        return replace(rule, byday=(ByDay(days[0], ordinal),))

    def _ordinal(self) -> int:
        word = self.peek()
        self.at += 1
        if word in _ORDINAL_WORDS:
            return _ORDINAL_WORDS[word]
        if word == "-2":
            return -2
        match = _NUMBERED.fullmatch(word)
        if match is None:
            raise _NotUnderstood
        return int(match.group(1))

    def _day_numbers(self) -> tuple[int, ...]:
        first = _NUMBERED.fullmatch(self.peek())
        if first is None:
            raise _NotUnderstood
        self.at += 1
        return (int(first.group(1)), *self._more_day_numbers())

    def _more_day_numbers(self) -> tuple[int, ...]:
        numbers: list[int] = []
        while self.peek() in (",", "and"):
            self.at += 1
            self.take("and")
            self.take("the")
            match = _NUMBERED.fullmatch(self.peek())
            if match is None:
                raise _NotUnderstood
            self.at += 1
            numbers.append(int(match.group(1)))
        return tuple(numbers)

    def _of_month(self) -> bool:
        if not self.take("of"):
            return False
        self.take("the", "every", "each")
        self.expect("month")
        return True

    def _yearly_date(self, rule: Rule) -> Rule:
        """ "March 3", "March 3rd", "3 March", "the 3rd of March"."""
        self.take("the")
        word = self.peek()
        if word in _MONTHS:
            self.at += 1
            day = _NUMBERED.fullmatch(self.peek())
            if day is None:
                raise _NotUnderstood
            self.at += 1
            return replace(rule, bymonth=(_MONTHS[word],), bymonthday=(int(day.group(1)),))
        day = _NUMBERED.fullmatch(word)
        if day is None:
            raise _NotUnderstood
        self.at += 1
        self.take("of")
        month = self.peek()
        if month not in _MONTHS:
            raise _NotUnderstood
        self.at += 1
        return replace(rule, bymonth=(_MONTHS[month],), bymonthday=(int(day.group(1)),))

    def _is_date_start(self) -> bool:
        offset = 1 if self.peek() == "the" else 0
        if _NUMBERED.fullmatch(self.peek(offset)) is None:
            return False
        after = self.peek(offset + 1)
        return after in _MONTHS or (after == "of" and self.peek(offset + 2) in _MONTHS)

    def _days(self) -> tuple[ByDay, ...]:
        days: set[int] = set()
        while True:
            word = self.peek()
            if not self._is_day(word):
                raise _NotUnderstood
            self.at += 1
            days.update(_weekdays(word))
            if self.peek() == "," and self._is_day(self.peek(1)):
                self.at += 1
            elif self.peek() == "," and self.peek(1) == "and" and self._is_day(self.peek(2)):
                self.at += 2
            elif self.peek() == "and" and self._is_day(self.peek(1)):
                self.at += 1
            else:
                kept = days - self._excepted()
                if not kept:
                    raise _NotUnderstood
                return tuple(ByDay(day) for day in sorted(kept))

    def _excepted(self) -> set[int]:
        """ "... except Friday", "... but not Fridays", "... excluding Mon and Tue"."""
        if not self.take(*_EXCEPT):
            return set()
        self.take("not", "on")
        return {day.weekday for day in self._days()}

    @staticmethod
    def _is_day(word: str) -> bool:
        return bool(_weekdays(word))


def _weekdays(word: str) -> tuple[int, ...]:
    for candidate in (word, word[:-1] if word.endswith("s") else ""):
        if candidate in _WEEKDAYS:
            return (_WEEKDAYS[candidate],)
        if candidate in _DAY_GROUPS:
            return _DAY_GROUPS[candidate]
    return ()


def _is_plural_day(word: str) -> bool:
    """ "mondays", "weekdays": a bare singular "monday" may mean a one-off, so no."""
    return word.endswith("s") and bool(_weekdays(word[:-1]))
