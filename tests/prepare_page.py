"""A stand-in page for tests/test_prepare.py: `prepare.WhenReady` around the smallest page that runs a PCN.

It builds a PCN of the trainer's scenario once the model is ready, and offers Play (one week a press) and
the week shown, as the trainer's page does; what the real page draws is tested in test_browser.py.
"""

import solara

from pcnsim.model import PCNModel
from pcnsim.trainer import prepare
from pcnsim.trainer.settings import RACE, scenario


@solara.component
def Runs():
    model = solara.use_memo(lambda: PCNModel(scenario(RACE), seed=1), [])
    week, set_week = solara.use_state(model.week)

    def play():
        model.step()
        set_week(model.week)

    solara.Button("Play", on_click=play, color="primary")
    solara.Text(f"Week {week}", classes=["pcn-week"])


@solara.component
def Page():
    prepare.WhenReady(lambda: Runs())
