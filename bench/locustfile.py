"""The people bench/load.py sends to the app: market chairs, district staff and viewers.

Run by bench/load.py (which logs them in, starts gunicorn and passes the plan in
LUSONG_LOAD_PLAN); not meant to be started by hand. Each simulated person takes one of the
sessions the plan holds for her persona, thinks 1–3 s between requests, and counts a
response as an error unless it is a 200: a redirect to the login page is an error too.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["LUSONG_LOAD_PLAN"]).read_text(encoding="utf-8"))
HOST = urlsplit(PLAN["host"]).hostname
if HOST != "127.0.0.1":
    raise SystemExit("bench/locustfile.py sends traffic only to 127.0.0.1")
MEMBER_LINK = re.compile(r'href="/members/(\d+)/"')
# What chairs type into the directory's search box: surnames, given-name characters,
# pinyin initials and mobile tails (a full mobile travels in a header, not in the URL).
NAME_SEARCHES = ["王", "李", "张", "刘", "陈", "杨", "王芳", "李婷", "陈丽", "刘敏"]
OTHER_SEARCHES = ["zh", "wang", "lix", "0516", "88"]
SEARCHES = [*NAME_SEARCHES, *OTHER_SEARCHES]
OCCUPATIONS = ["shop_owner", "shop_employee", "streamer", "courier", "cleaner", ""]
# htmx sends these when the directory form swaps #results.
DIRECTORY_FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}
TREE_FRAGMENT = {"HX-Request": "true"}
_next_session = {persona: itertools.count() for persona in PLAN["sessions"]}


class Person(HttpUser):
    abstract = True
    host = PLAN["host"]
    wait_time = between(1, 3)
    persona = ""

    def on_start(self) -> None:
        sessions = PLAN["sessions"][self.persona]
        cookie = sessions[next(_next_session[self.persona]) % len(sessions)]
        self.client.cookies.set(PLAN["session_cookie"], cookie)
        self.member_ids: list[int] = []

    def get(self, url: str, name: str, params=None, headers=None) -> str:
        with self.client.get(
            url,
            params=params,
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return ""
            return response.text

    # --- what several personas do ---------------------------------------------------------

    def directory_search(self) -> None:
        # As she types: the form fires 300 ms after a keystroke (hx-trigger "input changed
        # delay:300ms"), so a slow typist's "王芳" is two requests, "王" then "王芳".
        term = random.choice(SEARCHES)
        body = ""
        for end in range(1, len(term) + 1):
            if end > 1:
                time.sleep(random.uniform(0.35, 0.8))
            params = {"q": term[:end], "status": "current"}
            body = self.get("/members/", "/members/ search [htmx]", params, DIRECTORY_FRAGMENT)
        found = [int(pk) for pk in MEMBER_LINK.findall(body)]
        if found:
            self.member_ids = found

    def directory_filtered(self) -> None:
        params = {"status": "current", "occupation": random.choice(OCCUPATIONS)}
        if PLAN["markets"] and random.random() < 0.5:
            params["organization"] = random.choice(PLAN["markets"])
        body = self.get("/members/", "/members/ filter [htmx]", params, DIRECTORY_FRAGMENT)
        found = [int(pk) for pk in MEMBER_LINK.findall(body)]
        if found:
            self.member_ids = found

    def open_record(self) -> None:
        if not self.member_ids:
            self.directory_search()
            return
        pk = random.choice(self.member_ids)
        self.get(f"/members/{pk}/", "/members/<id>/")

    def tree_page(self) -> None:
        self.get("/organizations/", "/organizations/")

    def tree_node(self) -> None:
        parent = random.choice(PLAN["tree_parents"][self.persona])
        self.get(
            "/organizations/", "/organizations/?parent= [htmx]", {"parent": parent}, TREE_FRAGMENT
        )

    def dashboard(self) -> None:
        self.get("/", "/ (dashboard)")


class MarketChair(Person):
    """Keeps her market's roster: searches the directory as she types, opens records."""

    weight = 70
    persona = "chair"

    @task(6)
    def search(self) -> None:
        self.directory_search()

    @task(4)
    def record(self) -> None:
        self.open_record()

    @task(1)
    def directory_page(self) -> None:
        self.get("/members/", "/members/ page")

    @task(1)
    def home(self) -> None:
        self.dashboard()


class DistrictStaff(Person):
    """Dashboard, the organization tree (page and nodes) and the filtered directory."""

    weight = 25
    persona = "district"

    @task(3)
    def home(self) -> None:
        self.dashboard()

    @task(2)
    def tree(self) -> None:
        self.tree_page()

    @task(3)
    def node(self) -> None:
        self.tree_node()

    @task(3)
    def filtered(self) -> None:
        self.directory_filtered()

    @task(1)
    def record(self) -> None:
        self.open_record()


class Viewer(Person):
    """Leadership: figures and the tree, now and then the directory."""

    weight = 5
    persona = "viewer"

    @task(3)
    def home(self) -> None:
        self.dashboard()

    @task(1)
    def tree(self) -> None:
        self.tree_page()

    @task(1)
    def node(self) -> None:
        self.tree_node()

    @task(1)
    def filtered(self) -> None:
        self.directory_filtered()
