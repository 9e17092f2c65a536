#!/usr/bin/env python3
"""Open311 GeoReport v2 interoperability: an existing client, unmodified, against a running Minsheng.

    client_test.py BASE_URL API_KEY        e.g. http://127.0.0.1:8080/open311/v2 <api token of a registrar>

Starts nothing. The client is `georeport` from PyPI (pinned by run.sh), used as published: it lists services,
reads service definitions and reads requests, in JSON and in XML (parsed by xmltodict). It cannot create
requests, and the other Python Open311 clients on PyPI (`open311` 1.1, `three` 0.8.0) are Python 2 only, so
the POST is made with `requests` exactly as the spec writes it (application/x-www-form-urlencoded). Exits
non-zero if any check fails and ends with the line "N passed, N failed".
"""
import sys

import requests
import xmltodict
from georeport import GeoReport

CHECKS = {"passed": 0, "failed": 0}


def check(name, condition, detail=""):
    if condition:
        CHECKS["passed"] += 1
        print(f"ok   {name}")
    else:
        CHECKS["failed"] += 1
        print(f"FAIL {name} {detail}")


def as_list(x):
    """xmltodict gives a dict for one repeated element and a list for several."""
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def main(base, api_key):
    base = base.rstrip("/")
    client = GeoReport(base, api_key=api_key)                         # JSON
    xclient = GeoReport(base, api_key=api_key, output_format="xml")   # XML

    # 1. Services, in both formats.
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    check("services.json lists the 7 first-level categories", len(services) == 7 and "environment" in codes, services)
    check("services.json: name, type, metadata", all(s["type"] == "realtime" and s["metadata"] is False and s["service_name"]
                                                     for s in services), services)
    check("services.json: Chinese names", "环境保护" in [s["service_name"] for s in services])
    xservices = as_list(xclient.get_service_list())
    check("services.xml has the same codes", [s["service_code"] for s in xservices] == codes, xservices)
    check("services.xml: metadata false", all(s["metadata"] == "false" for s in xservices), xservices)
    definition = client.get_service_definition("environment")
    check("services/environment.json", definition.get("service_code") == "environment" and definition.get("attributes") == [],
          definition)
    xdefinition = xclient.get_service_definition("environment")
    check("services/environment.xml", xdefinition.get("service_code") == "environment", xdefinition)

    # 2. Create a request as the spec says: a form POST with the api_key.
    description = '工地夜间施工噪音扰民 <每晚23点后> & "电钻声" 请处理'
    personal = {"first_name": "小明", "last_name": "王", "phone": "13800001234", "email": "wxm@example.com"}
    form = {"api_key": api_key, "service_code": "environment", "lat": "29.5628", "long": "106.5528",
            "address_string": "渝中区解放碑步行街", "description": description,
            "media_url": "https://img.example.com/noise.jpg", **personal}
    r = requests.post(f"{base}/requests.json", data=form, timeout=30)
    check("POST requests.json answers 200", r.status_code == 200, f"{r.status_code} {r.text}")
    created = r.json()[0] if r.ok else {}
    request_id = created.get("service_request_id")
    token = created.get("token")
    check("POST answers a service_request_id and a token", bool(request_id) and bool(token), created)

    rx = requests.post(f"{base}/requests.xml", data={**form, "service_code": "transport", "description": "公交站台顶棚破损漏雨"},
                       timeout=30)
    xcreated = xmltodict.parse(rx.content)["service_requests"]["request"] if rx.ok else {}
    second_id = xcreated.get("service_request_id")
    check("POST requests.xml answers a service_request_id", rx.status_code == 200 and bool(second_id), rx.text)

    # 3. Read it back with the client, in both formats.
    got = client.get_service_request(request_id)
    check("requests/{id}.json: id, status, service", got.get("service_request_id") == request_id and got.get("status") == "open"
          and got.get("service_code") == "environment" and got.get("service_name") == "环境保护", got)
    check("requests/{id}.json: description as sent", got.get("description") == description, got.get("description"))
    check("requests/{id}.json: location", got.get("lat") == 29.5628 and got.get("long") == 106.5528
          and got.get("address") == "渝中区解放碑步行街", got)
    check("requests/{id}.json: media_url, agency, times", got.get("media_url") == form["media_url"]
          and got.get("agency_responsible") and str(got.get("requested_datetime", "")).endswith("+08:00")
          and str(got.get("expected_datetime", "")).endswith("+08:00"), got)
    xgot = xclient.get_service_request(request_id)
    check("requests/{id}.xml: the same request, description unescaped",
          xgot.get("service_request_id") == request_id and xgot.get("description") == description and xgot.get("lat") == "29.5628",
          xgot)

    both = client.get_service_requests(service_request_id=f"{request_id},{second_id}")
    check("requests.json?service_request_id=a,b", sorted(x["service_request_id"] for x in both) == sorted([request_id, second_id]),
          both)
    listed = client.get_service_requests(service_code="environment", status="open")
    check("requests.json?service_code=environment&status=open",
          request_id in [x["service_request_id"] for x in listed] and all(x["service_code"] == "environment" for x in listed), listed)
    closed = client.get_service_requests(service_code="environment", status="closed")
    check("requests.json?status=closed leaves it out", request_id not in [x["service_request_id"] for x in closed], closed)
    xlisted = as_list(xclient.get_service_requests(service_code="transport"))
    check("requests.xml?service_code=transport", second_id in [x["service_request_id"] for x in xlisted], xlisted)

    t = requests.get(f"{base}/tokens/{token}.json", timeout=30)
    check("tokens/{token}.json answers the id", t.ok and t.json()[0].get("service_request_id") == request_id, t.text)

    # 4. Reads never show personal data.
    raw = [requests.get(u, timeout=30).text for u in
           (f"{base}/requests.json", f"{base}/requests.xml", f"{base}/requests/{request_id}.json", f"{base}/requests/{request_id}.xml")]
    leaked = [v for v in list(personal.values()) + ["王小明", token] if any(v in text for text in raw)]
    check("no name, phone, e-mail or token in reads", not leaked, leaked)

    # 5. Errors in the spec's shape.
    bad = requests.post(f"{base}/requests.json", data={**form, "api_key": "not-a-key"}, timeout=30)
    check("bad api_key: 403 [{code, description}]", bad.status_code == 403 and bad.json()[0].get("code") == 403, bad.text)
    unknown = requests.post(f"{base}/requests.json", data={**form, "service_code": "nonesuch"}, timeout=30)
    check("unknown service_code: 400", unknown.status_code == 400 and unknown.json()[0].get("code") == 400, unknown.text)
    xbad = requests.post(f"{base}/requests.xml", data={**form, "api_key": "not-a-key"}, timeout=30)
    errors = xmltodict.parse(xbad.content).get("errors", {}) if xbad.text else {}
    check("bad api_key in XML: <errors><error><code>403", xbad.status_code == 403 and as_list(errors.get("error"))[0].get("code") == "403",
          xbad.text)
    missing = requests.get(f"{base}/requests/999999999.json", timeout=30)
    check("unknown request: 404", missing.status_code == 404, missing.text)

    print(f"{CHECKS['passed']} passed, {CHECKS['failed']} failed")
    return 1 if CHECKS["failed"] else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[1], sys.argv[2]))
    except Exception as e:  # a crash is a failure with its reason, not a traceback only
        import traceback
        traceback.print_exc()
        print(f"{CHECKS['passed']} passed, {CHECKS['failed'] + 1} failed")
        sys.exit(1)
