"""/shipments/: every filter alone and combined (exact rows), bad parameters, totals, sorting, query counts."""

import datetime
from decimal import Decimal

import pytest

from seizures import services, views
from seizures.models import EventKind, Port, Shipment
from tests.factories import ImporterFactory, PortFactory, make_shipment

pytestmark = pytest.mark.django_db
D = datetime.date


def _detain(shipment, day, kind=EventKind.DETAINED, reference=""):
    services.shipment_record_event(shipment=shipment, kind=kind, occurred_on=day, reference=reference)


@pytest.fixture
def ledger():
    """Five shipments with hand-computed figures (see the totals test)."""
    alpha, beta, gamma = (ImporterFactory(name=n) for n in ("Alpha Mining LLC", "Beta Hash Inc", "Gamma Data"))
    la, sf, detroit = (Port.objects.get(code=c) for c in ("2704", "2809", "3801"))
    a = make_shipment(
        entry_number="ABC-0000001-1",
        importer=alpha,
        port=la,
        lines=[("Antminer S21", 100, "3000")],
        bill_of_lading="MAEU0001",
        arrived_on=D(2025, 3, 1),
    )
    _detain(a, D(2025, 3, 10), reference="2025-2704-000001")
    b = make_shipment(entry_number="ABC-0000002-2", importer=alpha, port=sf, lines=[("Whatsminer M60S", 50, "2000")])
    _detain(b, D(2024, 12, 1))
    services.shipment_record_event(shipment=b, kind=EventKind.RELEASED, occurred_on=D(2025, 3, 15), units=20)
    c = make_shipment(
        entry_number="BCD-0000003-3",
        importer=beta,
        port=la,
        lines=[("Antminer T21", 10, "5000"), ("Avalon A1466", 20, "1000")],
    )
    _detain(c, D(2025, 2, 1), kind=EventKind.SEIZED)
    d = make_shipment(entry_number="BCD-0000004-4", importer=beta, port=detroit, lines=[("Avalon A1466", 40, "1500")])
    _detain(d, D(2024, 11, 26))
    services.shipment_record_event(shipment=d, kind=EventKind.RELEASED, occurred_on=D(2025, 3, 5))
    make_shipment(entry_number="CDE-0000005-5", importer=gamma, port=sf, lines=[("Antminer S21 XP", 5, "6000")])


@pytest.fixture
def compliance_client(client, compliance_user):
    client.force_login(compliance_user)
    return client


def entries(response) -> list[str]:
    return [row["entry_number"] for row in response.context["rows"]]


A, B, C, D_, E = "ABC-0000001-1", "ABC-0000002-2", "BCD-0000003-3", "BCD-0000004-4", "CDE-0000005-5"


def test_unfiltered_list_is_newest_detention_first_with_undetained_last(compliance_client, ledger):
    response = compliance_client.get("/shipments/")
    assert response.status_code == 200
    assert entries(response) == [A, C, B, D_, E]


def test_totals_cover_the_whole_filtered_set(compliance_client, ledger):
    totals = compliance_client.get("/shipments/").context["totals"]
    assert totals["shipments"] == 5
    assert totals["units_in_custody"] == 160  # 100 + 30 + 30
    assert totals["value_in_custody_usd"] == Decimal("430000.00")  # 300,000 + 60,000 + (50,000 + 20,000)
    assert totals["hashrate_in_custody_phs"] == Decimal("30.48")  # (20,000 + 5,580 + 1,900 + 3,000) TH/s
    assert totals["units_released"] == 60  # 20 + 40


def test_totals_follow_the_filters_not_the_page(compliance_client, ledger):
    totals = compliance_client.get("/shipments/?port=2704").context["totals"]
    assert (totals["shipments"], totals["units_in_custody"], totals["value_in_custody_usd"]) == (
        2,
        130,
        Decimal("370000.00"),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ABC-0000001-1", [A]),
        ("q=abc00000011", [A]),
        ("q=alpha", [A, B]),
        ("q=2025-2704-000001", [A]),
        ("q=maeu0001", [A]),
        ("q=BCD", [C, D_]),
        ("manufacturer=Bitmain", [A, C, E]),
        ("model=Avalon+A1466", [C, D_]),
        ("port=2704", [A, C]),
        ("importer=Beta+Hash+Inc", [C, D_]),
        ("status=detained", [A]),
        ("status=detained&status=seized", [A, C]),
        ("status=released", [D_]),
        ("detained_after=2025-01-01", [A, C]),
        ("detained_before=2024-12-31", [B, D_]),
        ("detained_after=2024-12-01&detained_before=2025-02-01", [C, B]),
        ("value_min=65000", [A, C]),
        ("value_max=65000", [B, D_, E]),
        ("sophgo=yes", [A, C, E]),
        ("sophgo=no", [B, D_]),
        ("manufacturer=Bitmain&port=2704&value_min=100000", [A]),
        ("sophgo=yes&status=seized&importer=Beta+Hash+Inc", [C]),
        ("q=alpha&status=partially_released", [B]),
    ],
)
def test_filters_return_exactly_the_matching_shipments(compliance_client, ledger, query, expected):
    response = compliance_client.get(f"/shipments/?{query}")
    assert response.status_code == 200
    assert not response.context["filter_form"].errors
    assert entries(response) == expected
    assert response.context["totals"]["shipments"] == len(expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("entry_number", [A, B, C, D_, E]),
        ("-entry_number", [E, D_, C, B, A]),
        ("value_in_custody_usd", [D_, E, B, C, A]),
        ("-units_in_custody", [A, C, B, E, D_]),  # ties: newest id first
        ("importer", [A, B, C, D_, E]),
        ("port", [A, C, B, E, D_]),
        ("first_detained_on", [D_, B, C, A, E]),
        ("-days_in_custody", [B, C, A, D_, E]),
    ],
)
def test_every_shown_column_sorts(compliance_client, ledger, ordering, expected):
    response = compliance_client.get(f"/shipments/?ordering={ordering}")
    assert entries(response) == expected


@pytest.mark.parametrize(
    ("query", "field", "still_applied", "expected"),
    [
        ("value_min=abc&port=2704", "value_min", "port", [A, C]),
        ("detained_after=2025-13-40&port=2704", "detained_after", "port", [A, C]),
        ("status=bogus&port=2704", "status", "port", [A, C]),
        ("ordering=password&port=2704", "ordering", "port", [A, C]),
        ("manufacturer=Nobody&port=2704", "manufacturer", "port", [A, C]),
        ("importer=Unknown+Importer&port=2704", "importer", "port", [A, C]),
        ("sophgo=maybe&port=2704", "sophgo", "port", [A, C]),
        ("value_min=-5&port=2704", "value_min", "port", [A, C]),
        (f"q={'x' * 5000}&port=2704", "q", "port", [A, C]),
        # More decimal places or digits than the column holds: PostgreSQL refused to compare (a 500).
        ("value_min=1e-999999999&port=2704", "value_min", "port", [A, C]),
        ("value_max=1E%2B999999999&port=2704", "value_max", "port", [A, C]),
    ],
)
def test_bad_parameters_are_reported_and_the_rest_still_apply(
    compliance_client, ledger, query, field, still_applied, expected
):
    response = compliance_client.get(f"/shipments/?{query}")
    assert response.status_code == 200
    assert field in response.context["filter_form"].errors
    assert entries(response) == expected
    assert "Some filters were not applied" in response.content.decode()


@pytest.mark.parametrize(
    ("page", "shown", "notice"),
    [
        ("99999", 2, "There is no page 99,999 (pages 1 to 2); showing page 2."),
        ("-1", 1, "There is no page -1 (pages 1 to 2); showing page 1."),
        ("0", 1, "There is no page 0 (pages 1 to 2); showing page 1."),
        ("abc", 1, "“abc” is not a page number; showing page 1."),
        ("2", 2, ""),
    ],
)
def test_bad_page_numbers_show_a_real_page_and_say_so(compliance_client, page, shown, notice):
    for n in range(51):
        make_shipment(entry_number=f"PGE-{n:07d}-0", lines=[("Antminer S21", 1, "1")])
    response = compliance_client.get(f"/shipments/?page={page}")
    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert response.context["page_notice"] == notice


def test_pages_hold_fifty_shipments(compliance_client):
    for n in range(51):
        make_shipment(entry_number=f"PGE-{n:07d}-0", lines=[("Antminer S21", 1, "1")])
    assert len(compliance_client.get("/shipments/").context["rows"]) == 50
    second = compliance_client.get("/shipments/?page=2")
    assert len(second.context["rows"]) == 1
    assert "<span>Page 2 of 2</span>" in second.content.decode()


def test_query_count_does_not_grow_with_the_page_size(compliance_client, django_assert_max_num_queries):
    for n in range(5):
        make_shipment(entry_number=f"QRY-{n:07d}-0", lines=[("Antminer S21", 1, "1"), ("Avalon A1466", 1, "1")])
    with django_assert_max_num_queries(12) as few:
        compliance_client.get("/shipments/")
    for n in range(5, 60):
        make_shipment(entry_number=f"QRY-{n:07d}-0", lines=[("Antminer S21", 1, "1"), ("Avalon A1466", 1, "1")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        compliance_client.get("/shipments/")


def test_list_links_keep_the_filters(compliance_client, ledger):
    body = compliance_client.get("/shipments/?port=2704&ordering=-value_in_custody_usd").content.decode()
    assert 'href="/shipments/export.csv?port=2704&amp;ordering=-value_in_custody_usd"' in body
    assert 'href="?port=2704&amp;ordering=value_in_custody_usd"' in body  # the header flips the direction
    assert '<a href="/shipments/">Clear</a>' in body


def test_export_link_is_hidden_without_the_export_permission(client, executive_user, ledger):
    client.force_login(executive_user)
    body = client.get("/shipments/").content.decode()
    assert "export.csv" not in body


def test_cached_totals_change_with_the_next_ledger_write(compliance_client, ledger, django_assert_num_queries):
    compliance_client.get("/shipments/")
    with django_assert_num_queries(9):  # one fewer than uncached: the totals come from the cache
        assert compliance_client.get("/shipments/").context["totals"]["units_in_custody"] == 160
    services.shipment_record_event(
        shipment=Shipment.objects.get(entry_number=E),
        kind=EventKind.DETAINED,
        occurred_on=D(2024, 11, 25),
    )
    assert compliance_client.get("/shipments/").context["totals"]["units_in_custody"] == 165


def test_each_row_links_its_shipment_and_lists_its_models_one_a_line(compliance_client, ledger):
    body = compliance_client.get("/shipments/?ordering=entry_number").content.decode()

    assert '<a href="/shipments/BCD-0000003-3/">BCD-0000003-3</a>' in body
    assert "<td>Antminer T21<br>Avalon A1466</td>" in body
    assert compliance_client.get("/shipments/BCD-0000003-3/").status_code == 200


@pytest.fixture
def grid_renders(monkeypatch):
    """The filter grids rendered (not read from the memo), each as the query of the page that rendered it."""
    rendered = []
    render = views.render_to_string

    def counting(template_name, context=None, *args, **kwargs):
        if template_name == views.FILTER_GRID:
            rendered.append(context["filter_form"].data.urlencode())
        return render(template_name, context, *args, **kwargs)

    monkeypatch.setattr(views, "render_to_string", counting)
    monkeypatch.setattr(views, "_unfiltered_grid", {})
    return rendered


def test_the_unfiltered_filter_inputs_are_rendered_once_until_a_choice_list_changes(
    compliance_client, ledger, grid_renders
):
    first = compliance_client.get("/shipments/").content.decode()
    for query in ("?page=1", "?ordering=-units_in_custody", "?port=&status="):
        assert compliance_client.get(f"/shipments/{query}").content.decode().count('<div class="filter-grid">') == 1
    assert grid_renders == [""]
    assert '<option value="2809">' in first

    port = PortFactory(name="Test Harbour")
    body = compliance_client.get("/shipments/?page=1").content.decode()

    assert f'<option value="{port.code}">{port.code} Test Harbour</option>' in body
    assert grid_renders == ["", "page=1"]


def test_a_filtered_page_renders_its_own_inputs_with_the_values_chosen(compliance_client, ledger, grid_renders):
    compliance_client.get("/shipments/")
    body = compliance_client.get("/shipments/?port=2809&status=seized").content.decode()

    assert '<option value="2809" selected>' in body
    assert "checked" in body.split('value="seized"')[1].split(">")[0]  # its box is ticked
    assert grid_renders == ["", "port=2809&status=seized"]
