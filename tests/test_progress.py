"""course/progress.py: one tqdm bar, redrawn in place on a terminal, a line per update elsewhere."""
import io

from tqdm import tqdm

from course.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


COUNTER = "grading [{bar:10}] {n}/{total} students, {failures} with errors or timeouts"


def test_in_a_log_every_update_is_a_line_of_its_own():
    out = io.StringIO()
    bar = Progress(5, COUNTER, out, draw_at_start=True, failures=0)
    assert isinstance(bar.bar, tqdm)
    bar.update(1, failures=0)
    bar.update(1, failures=0)                 # nothing new: no line
    bar.update(1, failures=1)                 # only a field changed: a line
    bar.update(5, failures=1)                 # the last step closes the bar
    bar.close()                               # closing again draws nothing more
    assert out.getvalue().splitlines() == [
        "grading [..........] 0/5 students, 0 with errors or timeouts",
        "grading [##........] 1/5 students, 0 with errors or timeouts",
        "grading [##........] 1/5 students, 1 with errors or timeouts",
        "grading [##########] 5/5 students, 1 with errors or timeouts",
    ]


def test_in_a_log_lines_come_every_so_many_steps():
    out = io.StringIO()
    bar = Progress(100, "step {n}/{total} loss {loss:.1f}", out, every=25)
    for step in range(1, 101):
        bar.update(step, loss=step / 10)
    assert out.getvalue().splitlines() == ["step 1/100 loss 0.1", "step 26/100 loss 2.6", "step 51/100 loss 5.1",
                                           "step 76/100 loss 7.6", "step 100/100 loss 10.0"]


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    out = Terminal()
    bar = Progress(1000, "step {n:,}/{total:,} [{bar:10}] loss {loss:.4f} {per_s} steps/s ETA {left}", out)
    for step in (250, 500, 1000):
        bar.update(step, loss=2.5)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("\n")
    assert "step 1,000/1,000 [##########] loss 2.5000" in text and "steps/s ETA" in text


def test_a_bar_only_for_terminals_draws_nothing_in_a_log():
    for stream, drawn in ((io.StringIO(), False), (Terminal(), True)):
        bar = Progress(10, "{n}/{total} loss {loss:.2f}", stream, only_on_terminal=True, leave=False, loss=0.0)
        for step in range(1, 11):
            bar.update(step, loss=2.5)
        assert bool(stream.getvalue()) is drawn


def test_the_pace_fields_say_steps_per_second_and_time_left():
    out = io.StringIO()
    bar = Progress(10, "{per_s}/s, {left} left", out)
    bar.start -= 2.0                          # two seconds ago
    bar.update(5)
    first = out.getvalue().splitlines()[0]
    rate, left = first.split("/s, ")
    assert 2.0 <= float(rate) <= 3.0 and left.endswith("s left")
