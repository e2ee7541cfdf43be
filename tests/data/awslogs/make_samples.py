#!/usr/bin/env python3
"""Writes every sample log file under tests/data/awslogs/ (run from anywhere).

The lines follow each service's documented log format (field order, quoting, `-` for
missing values, timestamp formats, gzip, folder layout); see README.md beside this file.
Gzip files are written with mtime=0 and no file name, so reruns give the same bytes.
The expected query answers are computed independently by check_answers.py.
"""

import gzip
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "123456789012"


def write(rel, text, gz=False):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode("utf-8")
    if gz:
        with open(path, "wb") as raw:
            # filename='' keeps the name out of the header; mtime=0 makes it deterministic.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
                f.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def lines(*ls):
    return "".join(l + "\n" for l in ls)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


# ---------------------------------------------------------------------------------------
# Application Load Balancer
# bucket/AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/
#   <account>_elasticloadbalancing_<region>_app.<lb-id>_<end-time>_<ip>_<random>.log.gz
# ---------------------------------------------------------------------------------------

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"
TG_API = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-targets/0e1f2a3b4c5d6e7f"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_4) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/11.1 Safari/605.1.15")
SAFARI_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 15_3 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/15.3 Mobile/15E148 Safari/604.1")
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/98.0.4758.102 Safari/537.36")

ALB_2018_05_30 = [
    # The documentation's HTTP entry, moved to 2018-05-30.
    f'http 2018-05-30T13:15:01.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 '
    f'10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" '
    f'"curl/7.46.0" - - {TG} "Root=1-5b0ea4c5-36d228ad5d99923122bbe354" "-" "-" 0 '
    f'2018-05-30T13:15:01.164000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"',
    # The documentation's HTTPS entry, Safari user agent.
    f'https 2018-05-30T23:10:44.504127Z app/my-loadbalancer/50dc6c495c0c9188 203.0.113.12:50432 '
    f'10.0.0.2:443 0.086 0.048 0.037 200 200 512 1024 '
    f'"GET https://www.example.com:443/products/list?page=2 HTTP/1.1" "{SAFARI_MAC}" '
    f'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {TG} "Root=1-5b0f2f2c-1d84f3d73c47ec4e58577259" '
    f'"www.example.com" "{CERT}" 1 2018-05-30T23:10:44.417000Z "authenticate,forward" "-" "-" '
    f'"10.0.0.2:443" "200" "-" "-"',
    # Outside the doc query's window (11:59:59.999999 < 12:00:00).
    f'http 2018-05-30T11:59:59.999999Z app/my-loadbalancer/50dc6c495c0c9188 198.51.100.7:40999 '
    f'10.0.0.1:80 0.001 0.004 0.000 201 201 999 120 "POST http://www.example.com:80/upload HTTP/1.1" '
    f'"curl/7.58.0" - - {TG} "Root=1-5b0e924f-0f1e2d3c4b5a69788796a5b4" "-" "-" 0 '
    f'2018-05-30T11:59:59.990000Z "forward" "-" "-" "10.0.0.1:80" "201" "-" "-"',
]
ALB_2018_05_31 = [
    # Exactly the upper bound of the doc query's BETWEEN (inclusive).
    f'http 2018-05-31T00:00:00.000000Z app/my-loadbalancer/50dc6c495c0c9188 198.51.100.7:41000 '
    f'10.0.0.1:80 0.001 0.002 0.000 200 200 100 250 "GET http://www.example.com:80/a HTTP/1.1" '
    f'"curl/7.58.0" - - {TG} "Root=1-5b0f3a80-2a3b4c5d6e7f8091a2b3c4d5" "-" "-" 0 '
    f'2018-05-30T23:59:59.998000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"',
]
ALB_2022_02_12 = [
    # 502 from the target: target_status_code "-", response_processing_time -1.
    f'https 2022-02-12T08:01:12.337146Z app/my-loadbalancer/50dc6c495c0c9188 192.0.2.44:40123 '
    f'10.0.0.1:80 0.000 0.012 -1 502 - 230 283 "POST https://api.example.com:443/v1/orders HTTP/2.0" '
    f'"python-requests/2.27.1" TLS_AES_128_GCM_SHA256 TLSv1.3 {TG_API} '
    f'"Root=1-620768e8-0a1b2c3d4e5f60718293a4b5" "api.example.com" "{CERT}" 2 '
    f'2022-02-12T08:01:12.325000Z "forward" "-" "-" "10.0.0.1:80" "-" "-" "-"',
    # 503 with no target at all: target "-" (target_ip '' and target_port NULL), -1 times.
    f'http 2022-02-12T09:30:00.000001Z app/my-loadbalancer/50dc6c495c0c9188 198.51.100.7:60000 - '
    f'-1 -1 -1 503 - 0 326 "GET http://www.example.com:80/health HTTP/1.1" "ELB-HealthChecker/2.0" '
    f'- - - "Root=1-62077e18-1f2e3d4c5b6a79881726354a" "-" "-" 0 2022-02-12T09:30:00.000000Z '
    f'"fixed-response" "-" "-" "-" "-" "-" "-"',
    # Safari on iOS, with desync classification fields.
    f'https 2022-02-12T10:15:30.250000Z app/my-loadbalancer/50dc6c495c0c9188 203.0.113.12:50500 '
    f'10.0.0.2:443 0.001 0.020 0.000 200 200 480 5120 '
    f'"GET https://www.example.com:443/index.html HTTP/2.0" "{SAFARI_IOS}" '
    f'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {TG} "Root=1-6207893a-2b3c4d5e6f708192a3b4c5d6" '
    f'"www.example.com" "{CERT}" 0 2022-02-12T10:15:30.228000Z "waf,forward" "-" "-" '
    f'"10.0.0.2:443" "200" "Ambiguous" "UndefinedContentLengthSemantics"',
    # A line in the earlier format without the classification fields: the DDL's regex needs
    # them, so RegexSerDe returns a row of NULLs. (A line with fields appended after
    # classification_reason is avoided on purpose: whether it matches depends on how the
    # DDL literal's `\\s` is unescaped; see README.md.)
    f'https 2022-02-12T11:00:00.000000Z app/my-loadbalancer/50dc6c495c0c9188 192.0.2.44:40500 '
    f'10.0.0.1:80 0.000 0.003 0.000 200 200 120 800 "GET https://www.example.com:443/new HTTP/1.1" '
    f'"curl/8.0.1" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {TG} '
    f'"Root=1-62079340-3c4d5e6f708192a3b4c5d6e7" "www.example.com" "{CERT}" 0 '
    f'2022-02-12T10:59:59.998000Z "forward" "-" "-" "10.0.0.1:80" "200"',
]
ALB_2022_02_13 = [
    # A redirect (no target), Chrome: its user agent contains "Safari" too.
    f'https 2022-02-13T00:00:05.000000Z app/my-loadbalancer/50dc6c495c0c9188 192.0.2.44:40200 - '
    f'-1 -1 -1 301 - 40 210 "GET https://example.com:443/old HTTP/1.1" "{CHROME}" '
    f'ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-62084a05-4d5e6f708192a3b4c5d6e7f8" '
    f'"example.com" "{CERT}" 3 2022-02-13T00:00:05.000000Z "redirect" '
    f'"https://www.example.com:443/old" "-" "-" "-" "-" "-"',
]


def alb():
    base = f"alb/AWSLogs/{ACCOUNT}/elasticloadbalancing/us-east-1"
    lb = "app.my-loadbalancer.50dc6c495c0c9188"
    for day, stamp, rows in [
        ("2018/05/30", "20180530T2315Z", ALB_2018_05_30),
        ("2018/05/31", "20180531T0005Z", ALB_2018_05_31),
        ("2022/02/12", "20220212T1105Z", ALB_2022_02_12),
        ("2022/02/13", "20220213T0005Z", ALB_2022_02_13),
    ]:
        name = f"{ACCOUNT}_elasticloadbalancing_us-east-1_{lb}_{stamp}_10.0.0.100_5s9ecb8m.log.gz"
        write(f"{base}/{day}/{name}", lines(*rows), gz=True)


# ---------------------------------------------------------------------------------------
# Classic Load Balancer (uncompressed, 60-minute interval files)
# bucket/AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/
#   <account>_elasticloadbalancing_<region>_<lb-name>_<end-time>_<ip>_<random>.log
# ---------------------------------------------------------------------------------------

ELB = [
    # The documentation's example entries (HTTP, HTTPS, TCP, SSL), dated 2024-05-17. The
    # backend processing times are changed to binary fractions (0.015625, ...) so that the doc
    # query's sum() is exact in floating point whatever the order of addition.
    '2024-05-17T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.015625 '
    '0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
    '2024-05-17T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.031250 '
    '0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" '
    'DHE-RSA-AES128-SHA TLSv1.2',
    '2024-05-17T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.015625 '
    '0.000041 - - 82 305 "- - - " "-" - -',
    '2024-05-17T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001065 0.062500 '
    '0.000023 - - 57 502 "- - - " "-" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2',
    # Backend errors (4XX, 5XX) and an instance that could not be reached (backend "-").
    '2024-05-17T23:41:02.103311Z my-loadbalancer 198.51.100.20:50211 10.0.0.2:80 0.000051 0.250000 '
    '0.000030 404 404 0 120 "GET http://www.example.com:80/missing HTTP/1.1" "Mozilla/5.0" - -',
    '2024-05-17T23:42:17.661822Z my-loadbalancer 198.51.100.20:50230 10.0.0.2:80 0.000049 0.500000 '
    '0.000031 500 500 35 0 "POST http://www.example.com:80/api HTTP/1.1" "python-requests/2.31.0" - -',
    '2024-05-17T23:43:00.000000Z my-loadbalancer 203.0.113.9:33123 - -1 -1 -1 504 0 0 0 '
    '"GET http://www.example.com:80/slow HTTP/1.1" "curl/7.38.0" - -',
    # Not a log entry the regex accepts (truncated line): a row of NULLs.
    '2024-05-17T23:44:00.000000Z my-loadbalancer 192.168.131.39:2817',
]


def elb_classic():
    base = f"elb_classic/AWSLogs/{ACCOUNT}/elasticloadbalancing/us-east-1/2024/05/17"
    name = f"{ACCOUNT}_elasticloadbalancing_us-east-1_my-loadbalancer_20240517T2345Z_172.160.001.192_20sg8hgm.log"
    write(f"{base}/{name}", lines(*ELB))


# ---------------------------------------------------------------------------------------
# Network Load Balancer (TLS listener access logs)
# bucket/AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/
#   <account>_elasticloadbalancing_<region>_net.<lb-id>_<end-time>_<random>.log.gz
# ---------------------------------------------------------------------------------------

NLB_CERT = "arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99"
NLB_CERT2 = "arn:aws:acm:us-east-2:671290407336:certificate/5c3e0f4a-8d1b-4c7e-9f2a-1b2c3d4e5f60"
NLB_DNS = "my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com"
NLB = [
    # The documentation's example entry (format version 1.0 fields, 21 fields).
    f'tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd '
    f'72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - {NLB_CERT} - ECDHE-RSA-AES128-SHA tlsv12 - '
    f'{NLB_DNS} h2 h2 "h2","http/1.1"',
    f'tls 2.0 2018-12-20T03:00:12 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd '
    f'72.21.218.154:51400 172.100.100.185:443 120 35 1024 4096 - {NLB_CERT} - '
    f'ECDHE-RSA-AES128-SHA tlsv12 secp256r1 {NLB_DNS} - - -',
    f'tls 2.0 2018-12-20T03:01:55 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd '
    f'198.51.100.33:60001 172.100.100.186:443 40 9 512 2048 - {NLB_CERT2} - '
    f'TLS_AES_128_GCM_SHA256 tlsv13 x25519 {NLB_DNS} h2 h2 "h2"',
    f'tls 2.0 2018-12-20T03:02:30 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd '
    f'203.0.113.77:44321 172.100.100.185:443 3 1 210 0 - {NLB_CERT} - ECDHE-RSA-AES128-SHA tlsv1 - '
    f'{NLB_DNS} - - -',
    # A failed handshake: handshake time, alert and TLS fields are "-".
    f'tls 2.0 2018-12-20T03:04:00 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd '
    f'203.0.113.77:44400 172.100.100.186:443 2 - 98 0 40 - - - - - {NLB_DNS} - - -',
    # A line with the later tls_connection_creation_time field appended: the DDL's regex ends
    # with `$` after 21 fields, so it does not match (row of NULLs).
    f'tls 2.0 2018-12-20T03:05:10 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd '
    f'72.21.218.154:51500 172.100.100.185:443 7 2 98 246 - {NLB_CERT} - ECDHE-RSA-AES128-SHA tlsv12 - '
    f'{NLB_DNS} h2 h2 "h2","http/1.1" 2018-12-20T03:05:09',
]


def nlb():
    base = f"nlb/AWSLogs/{ACCOUNT}/elasticloadbalancing/us-east-2/2018/12/20"
    name = f"{ACCOUNT}_elasticloadbalancing_us-east-2_net.my-network-loadbalancer.c6e77e28c25b2234_20181220T0305Z_3a1b2c4d.log.gz"
    write(f"{base}/{name}", lines(*NLB), gz=True)


# ---------------------------------------------------------------------------------------
# CloudFront standard logs: tab-separated, two header lines per file, gzip
# bucket[/prefix]/<distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz
# ---------------------------------------------------------------------------------------

CF_FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
             "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type "
             "x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for "
             "ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
             "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type "
             "sc-content-type sc-content-len sc-range-start sc-range-end")
CF_HOST = "d111111abcdef8.cloudfront.net"
CF_UA_MAC = ("Mozilla/5.0%20(Macintosh;%20Intel%20Mac%20OS%20X%2010_13_5)%20AppleWebKit/605.1.15"
             "%20(KHTML,%20like%20Gecko)%20Version/11.1.1%20Safari/605.1.15")
CF_UA_CURL = "curl/7.55.1"


def cf(*fields):
    assert len(fields) == 33, len(fields)
    return "\t".join(fields)


CF_A = [
    cf("2018-06-09", "07:01:10", "SEA19-C1", "2390", "192.0.2.100", "GET", CF_HOST, "/index.html",
       "200", "-", CF_UA_MAC, "-", "-", "Hit", "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
       "www.example.com", "https", "102", "0.002", "-", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "Hit",
       "HTTP/2.0", "-", "-", "11040", "0.002", "Hit", "text/html", "78", "-", "-"),
    cf("2018-06-09", "07:01:10", "SEA19-C1", "6719", "192.0.2.100", "GET", CF_HOST, "/styles.css",
       "200", "https://www.example.com/index.html", CF_UA_MAC, "-", "-", "Miss",
       "Ae7afZbl0XGbAFS6jdaqbeyKwjGzWiYYhd9uJF91yL6yT3yoPgaT6A==", "www.example.com", "https", "113",
       "0.046", "-", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "Miss", "HTTP/2.0", "-", "-", "11040",
       "0.046", "Miss", "text/css", "6452", "-", "-"),
    # A range request: sc-range-start/end set; sc-content-len "-".
    cf("2018-06-10", "21:15:42", "IAD89-C3", "1048823", "198.51.100.14", "GET", CF_HOST,
       "/video/intro.mp4", "206", "-", CF_UA_CURL, "-", "-", "Hit",
       "o4oZr5Qr0mT0tL0aBtZ0y7NGtlQhhJvM0sU8bJ9HxG5AYbOTw1ljLg==", "www.example.com", "https", "160",
       "0.377", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Hit", "HTTP/1.1", "-", "-", "53120",
       "0.001", "Hit", "video/mp4", "-", "0", "1048575"),
]
CF_B = [
    cf("2018-06-11", "03:27:05", "LHR62-C2", "486", "203.0.113.5", "GET", CF_HOST, "/favicon.ico",
       "404", "https://www.example.com/", CF_UA_MAC, "-", "-", "Error",
       "yJ5bWx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbw==", "www.example.com", "https", "98",
       "0.130", "-", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", "Error", "HTTP/2.0", "-", "-", "40112",
       "0.130", "Error", "text/html", "262", "-", "-"),
    # Outside the doc query's date range.
    cf("2018-06-12", "00:00:01", "LHR62-C2", "1200", "203.0.113.5", "GET", CF_HOST, "/index.html",
       "200", "-", CF_UA_CURL, "lang=en&x=1", "-", "RefreshHit",
       "T3g0b2J5bWx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZA==", "www.example.com", "http", "88",
       "0.010", "-", "-", "-", "RefreshHit", "HTTP/1.1", "-", "-", "40120", "0.009", "RefreshHit",
       "text/html", "1040", "-", "-"),
    # An exact duplicate of the line above (SELECT DISTINCT collapses them).
    cf("2018-06-12", "00:00:01", "LHR62-C2", "1200", "203.0.113.5", "GET", CF_HOST, "/index.html",
       "200", "-", CF_UA_CURL, "lang=en&x=1", "-", "RefreshHit",
       "T3g0b2J5bWx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZGtGbGx2ZA==", "www.example.com", "http", "88",
       "0.010", "-", "-", "-", "RefreshHit", "HTTP/1.1", "-", "-", "40120", "0.009", "RefreshHit",
       "text/html", "1040", "-", "-"),
]


def cloudfront():
    head = ["#Version: 1.0", "#Fields: " + CF_FIELDS]
    write("cloudfront/EMLARXS9EXAMPLE.2018-06-09-07.a1b2c3d4.gz", lines(*head, *CF_A), gz=True)
    write("cloudfront/EMLARXS9EXAMPLE.2018-06-11-03.e5f6a7b8.gz", lines(*head, *CF_B), gz=True)


# ---------------------------------------------------------------------------------------
# CloudTrail: {"Records":[...]} per gzip file
# bucket/AWSLogs/<account>/CloudTrail/<region>/yyyy/mm/dd/
#   <account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<unique>.json.gz
# ---------------------------------------------------------------------------------------

ROLE_ARN = "arn:aws:iam::123456789012:role/Admin"


def assumed_role(session_user, created, mfa="false"):
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEID:{session_user}",
        "arn": f"arn:aws:sts::123456789012:assumed-role/Admin/{session_user}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEKEY",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEID",
                "arn": ROLE_ARN,
                "accountId": ACCOUNT,
                "userName": "Admin",
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": mfa},
        },
    }


def iam_user(name):
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLEID",
        "arn": f"arn:aws:iam::123456789012:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": name,
    }


TLS = {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
       "clientProvidedHostHeader": "s3.amazonaws.com"}

CT_2019_02_01_USE1 = [
    {   # s3 data event with resources (matches the doc's 'example/datafile.txt' filter)
        "eventVersion": "1.05", "userIdentity": assumed_role("alice", "2019-02-01T09:00:00Z"),
        "eventTime": "2019-02-01T10:05:12Z", "eventSource": "s3.amazonaws.com",
        "eventName": "PutObject", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.10",
        "userAgent": "[aws-cli/1.16.96 Python/3.6.0 Linux/4.9.124]",
        "requestParameters": {"bucketName": "example", "Host": "example.s3.amazonaws.com",
                              "key": "datafile.txt"},
        "responseElements": None,
        "additionalEventData": {"SignatureVersion": "SigV4", "bytesTransferredIn": 120.0},
        "requestID": "79104EXAMPLEB723", "eventID": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
        "readOnly": False,
        "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::example/datafile.txt"},
                      {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::example"}],
        "eventType": "AwsApiCall", "managementEvent": False, "recipientAccountId": ACCOUNT,
        "eventCategory": "Data", "tlsDetails": TLS,
    },
    {   # DeleteBucket by an IAM user
        "eventVersion": "1.05", "userIdentity": iam_user("Bob"),
        "eventTime": "2019-02-01T11:30:00Z", "eventSource": "s3.amazonaws.com",
        "eventName": "DeleteBucket", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.23",
        "userAgent": "[S3Console/0.4]",
        "requestParameters": {"bucketName": "old-reports", "Host": "s3.amazonaws.com"},
        "responseElements": None,
        "requestID": "8E2A3EXAMPLE1234", "eventID": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "readOnly": False,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::old-reports"}],
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT,
        "eventCategory": "Management", "tlsDetails": TLS,
    },
    {   # anonymous (unsigned) GetObject: accountId "anonymous", no arn
        "eventVersion": "1.05",
        "userIdentity": {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"},
        "eventTime": "2019-02-01T12:00:01Z", "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.50",
        "userAgent": "[curl/7.58.0]",
        "requestParameters": {"bucketName": "DOC-EXAMPLE-BUCKET", "Host": "DOC-EXAMPLE-BUCKET.s3.amazonaws.com",
                              "key": "public/readme.txt"},
        "responseElements": None,
        "requestID": "4A5B6EXAMPLE7890", "eventID": "b2c3d4e5-6789-0abc-def0-EXAMPLE22222",
        "readOnly": True,
        "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::DOC-EXAMPLE-BUCKET/public/readme.txt"},
                      {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::DOC-EXAMPLE-BUCKET"}],
        "eventType": "AwsApiCall", "managementEvent": False, "recipientAccountId": ACCOUNT,
        "sharedEventID": "3d5c1a2b-EXAMPLE-4e6f", "eventCategory": "Data",
    },
    {   # EC2 call that failed, assumed role with MFA
        "eventVersion": "1.05", "userIdentity": assumed_role("carol", "2019-02-01T13:00:00Z", "true"),
        "eventTime": "2019-02-01T13:15:44Z", "eventSource": "ec2.amazonaws.com",
        "eventName": "StopInstances", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.10",
        "userAgent": "console.ec2.amazonaws.com",
        "errorCode": "Client.UnauthorizedOperation",
        "errorMessage": "You are not authorized to perform this operation.",
        "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]},
                              "force": False},
        "responseElements": None,
        "requestID": "0c1d2e3f-EXAMPLE-4a5b", "eventID": "c3d4e5f6-7890-abcd-ef01-EXAMPLE33333",
        "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    },
    {   # AWS service event: no sourceIPAddress user agent, serviceEventDetails object
        "eventVersion": "1.05",
        "userIdentity": {"accountId": ACCOUNT, "invokedBy": "signin.amazonaws.com"},
        "eventTime": "2019-02-01T08:00:00Z", "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.23",
        "userAgent": "Mozilla/5.0", "requestParameters": None,
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"MobileVersion": "No", "MFAUsed": "Yes"},
        "eventID": "d4e5f6a7-8901-bcde-f012-EXAMPLE44444",
        "eventType": "AwsConsoleSignIn", "managementEvent": True,
        "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    },
]
CT_2019_02_01_USW2 = [
    {   # in a region folder whose partition the doc's ALTER TABLE does not add
        "eventVersion": "1.05", "userIdentity": iam_user("Bob"),
        "eventTime": "2019-02-01T15:00:00Z", "eventSource": "s3.amazonaws.com",
        "eventName": "DeleteBucket", "awsRegion": "us-west-2", "sourceIPAddress": "198.51.100.23",
        "userAgent": "[S3Console/0.4]",
        "requestParameters": {"bucketName": "west-logs", "Host": "s3.us-west-2.amazonaws.com"},
        "responseElements": None, "requestID": "9F8E7EXAMPLE6543",
        "eventID": "e5f6a7b8-9012-cdef-0123-EXAMPLE55555", "readOnly": False,
        "resources": [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::west-logs"}],
        "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    },
]
CT_2024_05_17_USE1 = [
    {
        "eventVersion": "1.09", "userIdentity": assumed_role("alice", "2024-05-17T07:55:00Z"),
        "eventTime": "2024-05-17T08:01:02Z", "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "192.0.2.10",
        "userAgent": "[aws-sdk-java/2.20.0]",
        "requestParameters": {"bucketName": "example", "Host": "example.s3.amazonaws.com",
                              "key": "reports/2024/datafile.txt"},
        "responseElements": None, "requestID": "A1B2C3EXAMPLE000",
        "eventID": "f6a7b8c9-0123-def0-1234-EXAMPLE66666", "readOnly": True,
        "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::example/reports/2024/datafile.txt"}],
        "eventType": "AwsApiCall", "managementEvent": False, "recipientAccountId": ACCOUNT,
        "vpcEndpointId": "vpce-0a1b2c3d4e5f67890", "eventCategory": "Data", "tlsDetails": TLS,
    },
    {
        "eventVersion": "1.09", "userIdentity": iam_user("Bob"),
        "eventTime": "2024-05-17T09:10:11Z", "eventSource": "iam.amazonaws.com",
        "eventName": "CreateUser", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.23",
        "userAgent": "aws-cli/2.15.0", "requestParameters": {"userName": "dave"},
        "responseElements": {"user": {"userName": "dave", "userId": "AIDAEXAMPLEDAVE"}},
        "requestID": "B2C3D4EXAMPLE111", "eventID": "a7b8c9d0-1234-ef01-2345-EXAMPLE77777",
        "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": ACCOUNT, "eventCategory": "Management",
    },
]


def cloudtrail():
    base = f"cloudtrail/AWSLogs/{ACCOUNT}/CloudTrail"
    for region, day, stamp, recs in [
        ("us-east-1", "2019/02/01", "20190201T1320Z", CT_2019_02_01_USE1),
        ("us-west-2", "2019/02/01", "20190201T1505Z", CT_2019_02_01_USW2),
        ("us-east-1", "2024/05/17", "20240517T0915Z", CT_2024_05_17_USE1),
    ]:
        name = f"{ACCOUNT}_CloudTrail_{region}_{stamp}_Ab1Cd2Ef3Gh4Ij5K.json.gz"
        write(f"{base}/{region}/{day}/{name}", compact({"Records": recs}) + "\n", gz=True)


# ---------------------------------------------------------------------------------------
# VPC flow logs: custom format with all v2-v5 fields, header line, gzip
# bucket/prefix/AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/
#   <account>_vpcflowlogs_<region>_<flow-log-id>_<yyyymmddThhmmZ>_<hash>.log.gz
# ---------------------------------------------------------------------------------------

VPC_HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
              "start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr "
              "pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service "
              "pkt-dst-aws-service flow-direction traffic-path")


def vpc(fields):
    parts = fields.split()
    assert len(parts) == 29, (len(parts), fields)
    return " ".join(parts)


VPC_FILES = {
    ("us-east-1", "2020/05/04"): [
        vpc("5 123456789012 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
            "1588550400 1588550460 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 2 IPv4 "
            "172.31.16.139 172.31.16.21 us-east-1 use1-az1 - - - - ingress -"),
        vpc("5 123456789012 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 "
            "1588550400 1588550460 REJECT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 2 IPv4 "
            "172.31.9.69 172.31.9.12 us-east-1 use1-az1 - - - - ingress -"),
        vpc("5 123456789012 eni-1235b8ca123456789 203.0.113.12 172.31.16.21 51000 443 6 110 81230 "
            "1588551000 1588551060 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 19 IPv4 "
            "203.0.113.12 172.31.16.21 us-east-1 use1-az1 - - - - ingress -"),
        vpc("5 123456789012 eni-1235b8ca123456789 172.31.16.21 52.94.5.10 40512 443 6 42 6100 "
            "1588551000 1588551060 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 3 IPv4 "
            "172.31.16.21 52.94.5.10 us-east-1 use1-az1 - - - S3 egress 8"),
        # UDP reject, not TCP
        vpc("5 123456789012 eni-1235b8ca123456789 198.51.100.7 172.31.16.21 5353 53 17 1 76 "
            "1588551100 1588551160 REJECT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 0 IPv4 "
            "198.51.100.7 172.31.16.21 us-east-1 use1-az1 - - - - ingress -"),
        # NODATA: "-" in every numeric field the interface had no traffic for
        vpc("5 123456789012 eni-0f0e0d0c0b0a09080 - - - - - - - 1588551200 1588551260 - NODATA "
            "vpc-0a1b2c3d subnet-0a1b2c3d - - - - - us-east-1 use1-az1 - - - - - -"),
    ],
    ("us-east-1", "2021/01/20"): [
        vpc("5 123456789012 eni-1235b8ca123456789 10.117.1.22 10.0.1.14 33000 443 6 15 3000 "
            "1611100000 1611100060 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 19 IPv4 "
            "10.117.1.22 10.0.1.14 us-east-1 use1-az1 - - - - ingress 1"),
    ],
    ("us-east-1", "2021/02/15"): [
        vpc("5 123456789012 eni-1235b8ca123456789 10.117.1.22 10.0.1.14 33010 443 6 30 6000 "
            "1613347200 1613347260 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 19 IPv4 "
            "10.117.1.22 10.0.1.14 us-east-1 use1-az1 - - - - ingress 1"),
        vpc("5 123456789012 eni-1235b8ca123456789 10.117.9.9 10.0.1.14 33020 22 6 2 120 "
            "1613347300 1613347360 REJECT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 2 IPv4 "
            "10.117.9.9 10.0.1.14 us-east-1 use1-az1 - - - - ingress 1"),
    ],
    ("eu-west-1", "2021/03/10"): [
        vpc("5 123456789012 eni-0badc0ffee1234567 10.20.0.5 10.20.1.30 44000 443 6 100 90000 "
            "1615334400 1615334460 ACCEPT OK vpc-0e1f2a3b subnet-0e1f2a3b i-0e1f2a3b4c5d6e7f8 19 IPv4 "
            "10.20.0.5 10.20.1.30 eu-west-1 euw1-az2 - - - - ingress 1"),
        vpc("5 123456789012 eni-0badc0ffee1234567 10.20.0.6 10.20.1.31 44001 443 6 250 120000 "
            "1615334500 1615334560 ACCEPT OK vpc-0e1f2a3b subnet-0e1f2a3b i-0e1f2a3b4c5d6e7f8 19 IPv4 "
            "10.20.0.6 10.20.1.31 eu-west-1 euw1-az2 - - - - ingress 1"),
    ],
    ("us-east-1", "2021/03/10"): [
        vpc("5 123456789012 eni-1235b8ca123456789 10.117.1.22 10.20.1.30 33100 443 6 60 12000 "
            "1615334600 1615334660 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 19 IPv4 "
            "10.117.1.22 10.20.1.30 us-east-1 use1-az1 - - - - egress 5"),
    ],
    ("us-east-1", "2021/04/05"): [
        vpc("5 123456789012 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 "
            "1617580800 1617580860 ACCEPT OK vpc-0a1b2c3d subnet-0a1b2c3d i-0a1b2c3d4e5f67890 2 IPv4 "
            "172.31.16.139 172.31.16.21 us-east-1 use1-az1 - - - - ingress -"),
    ],
    # a region the projection's enum does not list
    ("ca-central-1", "2021/02/15"): [
        vpc("5 123456789012 eni-0cafe00000000000a 10.117.1.22 10.0.1.14 33030 443 6 7 700 "
            "1613347400 1613347460 ACCEPT OK vpc-0c0c0c0c subnet-0c0c0c0c i-0c0c0c0c0c0c0c0c0 19 IPv4 "
            "10.117.1.22 10.0.1.14 ca-central-1 cac1-az1 - - - - ingress 1"),
    ],
}


def vpc_flow():
    for (region, day), rows in VPC_FILES.items():
        stamp = day.replace("/", "") + "T0000Z"
        name = f"{ACCOUNT}_vpcflowlogs_{region}_fl-1234abcd5678efgh_{stamp}_fe123456.log.gz"
        write(f"vpc/AWSLogs/{ACCOUNT}/vpcflowlogs/{region}/{day}/{name}",
              lines(VPC_HEADER, *rows), gz=True)


# ---------------------------------------------------------------------------------------
# Global Accelerator flow logs: space-separated with a header, gzip
# bucket/prefix/AWSLogs/<account>/globalaccelerator/<region>/yyyy/mm/dd/
# ---------------------------------------------------------------------------------------

GA_HEADER = ("version account acceleratorid clientip clientport gip gipport endpointip endpointport "
             "protocol ipaddresstype numpackets numbytes starttime endtime action logstatus "
             "agasourceip agasourceport endpointregion agaregion direction")
GA_ID = "1234abcd-abcd-1234-abcd-1234abcdxyz"
GA = [
    f"1.0 123456789012 {GA_ID} 198.51.100.1 42673 192.0.2.10 443 10.0.1.20 443 TCP IPv4 12 4950 "
    f"1715935200 1715935260 ACCEPT OK 52.94.1.1 1024 us-west-2 LHR50 IN",
    f"1.0 123456789012 {GA_ID} 198.51.100.2 42700 192.0.2.10 443 10.0.1.20 443 TCP IPv4 30 21000 "
    f"1715935260 1715935320 ACCEPT OK 52.94.1.2 1025 us-west-2 LHR62 IN",
    f"1.0 123456789012 {GA_ID} 198.51.100.3 53001 192.0.2.11 80 10.0.1.21 80 TCP IPv4 5 1200 "
    f"1715935300 1715935360 ACCEPT OK 52.94.1.3 1026 us-west-2 IAD89 IN",
    f"1.0 123456789012 {GA_ID} 203.0.113.40 51234 192.0.2.10 443 10.0.1.22 443 TCP IPv4 8 3100 "
    f"1715935400 1715935460 ACCEPT OK 52.94.1.4 1027 us-west-2 FRA56 IN",
    f"1.0 123456789012 {GA_ID} 203.0.113.41 60000 192.0.2.12 53 10.0.1.23 53 UDP IPv4 1 80 "
    f"1715935500 1715935560 REJECT OK - - us-west-2 LHR50 IN",
]


def global_accelerator():
    name = f"{ACCOUNT}_globalaccelerator_{GA_ID}_20240517T0845Z_a1b2c3d4.log.gz"
    write(f"global_accelerator/AWSLogs/{ACCOUNT}/globalaccelerator/us-west-2/2024/05/17/{name}",
          lines(GA_HEADER, *GA), gz=True)


# ---------------------------------------------------------------------------------------
# Network Firewall flow and alert logs: JSON lines, gzip
# bucket/AWSLogs/<account>/network-firewall/<log-type>/<region>/<firewall>/yyyy/mm/dd/hh/
# ---------------------------------------------------------------------------------------

def nfw_flow(ts, flow_id, src, sport, dst, dport, proto, pkts, nbytes, start, end, age):
    return {
        "firewall_name": "test-firewall", "availability_zone": "us-east-1b",
        "event_timestamp": ts,
        "event": {"timestamp": "2024-05-17T10:00:%02d.000000+0000" % (ts % 60),
                  "flow_id": flow_id, "event_type": "netflow",
                  "src_ip": src, "src_port": sport, "dest_ip": dst, "dest_port": dport,
                  "proto": proto, "app_proto": "tls" if dport == 443 else "unknown",
                  "netflow": {"pkts": pkts, "bytes": nbytes, "start": start, "end": end,
                              "age": age, "min_ttl": 63, "max_ttl": 63}},
    }


NFW_FLOW = [
    nfw_flow(1715940001, 1111111111111111, "10.0.1.10", 40000, "52.94.5.10", 443, "TCP", 10, 2400,
             "2024-05-17T09:59:00.000000+0000", "2024-05-17T09:59:30.000000+0000", 30),
    nfw_flow(1715940002, 1111111111111112, "10.0.1.10", 40000, "52.94.5.10", 443, "TCP", 4, 800,
             "2024-05-17T09:59:31.000000+0000", "2024-05-17T09:59:40.000000+0000", 9),
    nfw_flow(1715940003, 1111111111111113, "10.0.1.11", 40001, "52.94.5.10", 443, "TCP", 6, 1200,
             "2024-05-17T09:59:32.000000+0000", "2024-05-17T09:59:41.000000+0000", 9),
    nfw_flow(1715940004, 1111111111111114, "10.0.1.10", 40000, "52.94.5.10", 443, "TCP", 2, 120,
             "2024-05-17T09:59:45.000000+0000", "2024-05-17T09:59:46.000000+0000", 1),
    nfw_flow(1715940005, 1111111111111115, "10.0.1.12", 53000, "10.0.0.2", 53, "UDP", 2, 180,
             "2024-05-17T09:59:50.000000+0000", "2024-05-17T09:59:50.000000+0000", 0),
]
NFW_ALERT = [
    {"firewall_name": "test-firewall", "availability_zone": "us-east-1b",
     "event_timestamp": "1715940010",
     "event": {"timestamp": "2024-05-17T10:00:10.123456+0000", "flow_id": 2222222222222221,
               "event_type": "alert", "src_ip": "10.0.1.12", "src_port": 53000,
               "dest_ip": "203.0.113.66", "dest_port": 80, "proto": "TCP", "app_proto": "http",
               "alert": {"action": "blocked", "signature_id": 5, "rev": 0,
                         "signature": "test_signature", "category": "", "severity": 1},
               "http": {"hostname": "bad.example.com", "url": "/", "http_user_agent": "curl/8.0",
                        "http_method": "GET", "protocol": "HTTP/1.1", "length": 0}}},
]


def network_firewall():
    base = f"network_firewall/AWSLogs/{ACCOUNT}/network-firewall"
    write(f"{base}/flow/us-east-1/test-firewall/2024/05/17/10/"
          f"{ACCOUNT}_network-firewall_flow_us-east-1_test-firewall_202405171000_a1b2c3d4.log.gz",
          "".join(compact(r) + "\n" for r in NFW_FLOW), gz=True)
    write(f"{base}/alert/us-east-1/test-firewall/2024/05/17/10/"
          f"{ACCOUNT}_network-firewall_alert_us-east-1_test-firewall_202405171000_e5f6a7b8.log.gz",
          "".join(compact(r) + "\n" for r in NFW_ALERT), gz=True)


# ---------------------------------------------------------------------------------------
# Route 53 Resolver query logs: JSON lines, gzip
# bucket/AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/yyyy/mm/dd/
# ---------------------------------------------------------------------------------------

def r53(ts, name, qtype, rcode, answers, srcaddr, srcport, instance=None, endpoint=None,
        transport="UDP"):
    srcids = {}
    if instance:
        srcids["instance"] = instance
    if endpoint:
        srcids["resolver_endpoint"] = endpoint
    return {"version": "1.100000", "account_id": ACCOUNT, "region": "us-east-1",
            "vpc_id": "vpc-7example", "query_timestamp": ts, "query_name": name,
            "query_type": qtype, "query_class": "IN", "rcode": rcode, "answers": answers,
            "srcaddr": srcaddr, "srcport": srcport, "transport": transport, "srcids": srcids}


R53 = [
    r53("2020-09-24T00:05:13Z", "example.com.", "A", "NOERROR",
        [{"Rdata": "203.0.113.16", "Type": "A", "Class": "IN"}],
        "172.31.1.10", "47562", instance="i-0d15cd0d3example"),
    r53("2020-09-24T00:07:59Z", "www.example.com.", "CNAME", "NOERROR",
        [{"Rdata": "example.com.", "Type": "CNAME", "Class": "IN"},
         {"Rdata": "203.0.113.16", "Type": "A", "Class": "IN"}],
        "172.31.1.11", "51000", instance="i-0d15cd0d3example"),
    r53("2020-09-24T00:08:01Z", "api.example.com.", "AAAA", "NOERROR", [],
        "172.31.1.12", "51001", instance="i-0a0b0c0d0example"),
    r53("2020-09-24T03:10:00Z", "nonexistent.example.org.", "A", "NXDOMAIN", [],
        "10.0.0.50", "53000", endpoint="rslvr-in-0123456789example", transport="TCP"),
    r53("2020-09-23T23:59:59Z", "aws.amazon.com.", "A", "NOERROR",
        [{"Rdata": "198.51.100.200", "Type": "A", "Class": "IN"}],
        "172.31.1.10", "47000", instance="i-0d15cd0d3example"),
]


def route53():
    base = f"route53/AWSLogs/{ACCOUNT}/vpcdnsquerylogs/vpc-7example/2020/09/24"
    name = f"vpc-7example_vpcdnsquerylogs_{ACCOUNT}_20200924T0000Z_71e3ebdd.log.gz"
    write(f"{base}/{name}", "".join(compact(r) + "\n" for r in R53), gz=True)


# ---------------------------------------------------------------------------------------
# AWS WAF logs: JSON lines, camelCase keys, gzip
# bucket/AWSLogs/<account>/WAFLogs/<region>/<web-acl-name>/yyyy/mm/dd/hh/mm/
#   <account>_waflogs_<region>_<web-acl-name>_<timestamp>_<hash>.log.gz
# (the doc's template puts ${date} directly below "webACL": we name the web ACL "webACL")
# ---------------------------------------------------------------------------------------

ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/webACL/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
ACL_EU = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/webACL/9f8e7d6c-5b4a-3210-fedc-ba9876543210"
ALB_SRC = "123456789012-app/my-loadbalancer/50dc6c495c0c9188"


def waf(ts, acl, action, term_id, term_type, client_ip, country, headers, uri, method="GET",
        args="", rule_groups=(), rate_based=(), non_terminating=(), labels=(), request_id="rid",
        term_details=()):
    return {
        "timestamp": ts, "formatVersion": 1, "webaclId": acl,
        "terminatingRuleId": term_id, "terminatingRuleType": term_type, "action": action,
        "terminatingRuleMatchDetails": list(term_details), "httpSourceName": "ALB",
        "httpSourceId": ALB_SRC, "ruleGroupList": list(rule_groups),
        "rateBasedRuleList": list(rate_based), "nonTerminatingMatchingRules": list(non_terminating),
        "requestHeadersInserted": None, "responseCodeSent": None,
        "httpRequest": {"clientIp": client_ip, "country": country,
                        "headers": [{"name": n, "value": v} for n, v in headers],
                        "uri": uri, "args": args, "httpVersion": "HTTP/1.1",
                        "httpMethod": method, "requestId": request_id},
        "labels": [{"name": l} for l in labels],
    }


CRS = "AWS#AWSManagedRulesCommonRuleSet"
EXCLUDED = [{"exclusionType": "EXCLUDED_AS_COUNT", "ruleId": "SizeRestrictions_BODY"}]

WAF_USE1_2021_03_15 = [
    waf(1615802400000, ACL, "ALLOW", "Default_Action", "REGULAR", "53.21.198.66", "US",
        [("Host", "www.example.com"), ("Referer", "https://www.amazon.com/s?k=example"),
         ("User-Agent", "Mozilla/5.0")], "/index.html",
        rule_groups=[{"ruleGroupId": CRS, "terminatingRule": None,
                      "nonTerminatingMatchingRules": [], "excludedRules": EXCLUDED}],
        request_id="1-604f1e20-0a1b2c3d4e5f6a7b8c9d0e1f"),
    waf(1615802580000, ACL, "BLOCK", "RateLimit100", "RATE_BASED", "34.240.0.10", "IE",
        [("Host", "www.example.com"), ("X-Forwarded-For", "34.240.0.10")], "/login",
        method="POST",
        rate_based=[{"rateBasedRuleId": "a1b2c3d4-rate-rule", "limitKey": "IP", "maxRateAllowed": 100}],
        request_id="1-604f1ed4-1b2c3d4e5f6a7b8c9d0e1f2a"),
    waf(1615802700000, ACL, "BLOCK", "RateLimit100", "RATE_BASED", "34.240.0.10", "IE",
        [("Host", "www.example.com"), ("X-Forwarded-For", "34.240.0.10")], "/login",
        method="POST",
        rate_based=[{"rateBasedRuleId": "a1b2c3d4-rate-rule", "limitKey": "IP", "maxRateAllowed": 100}],
        request_id="1-604f1f4c-2c3d4e5f6a7b8c9d0e1f2a3b"),
    waf(1615803000000, ACL, "ALLOW", "Default_Action", "REGULAR", "198.51.100.8", "DE",
        [("Host", "www.example.com"), ("referer", "https://amazon.de/"), ("User-Agent", "curl/7.79")],
        "/search", args="q=shoes",
        rule_groups=[{"ruleGroupId": CRS, "terminatingRule": None,
                      "nonTerminatingMatchingRules": [
                          {"ruleId": "NoUserAgent_HEADER", "action": "COUNT",
                           "ruleMatchDetails": []}],
                      "excludedRules": None}],
        non_terminating=[{"ruleId": "count-bots", "action": "COUNT", "ruleMatchDetails": []}],
        labels=["awswaf:managed:aws:core-rule-set:NoUserAgent_Header"],
        request_id="1-604f2078-3d4e5f6a7b8c9d0e1f2a3b4c"),
]
WAF_USE1_2021_03_31 = [
    # "date" < '2021/03/31' excludes this day from the doc's date-range queries
    waf(1617148800000, ACL, "BLOCK", "e9dd190d-7a43-4c06-bcea-409613d9506e", "REGULAR",
        "53.21.198.66", "US", [("Host", "www.example.com"), ("Referer", "https://amazon.com/")],
        "/admin", term_details=[{"conditionType": "SQL_INJECTION", "sensitivityLevel": "HIGH",
                                  "location": "QUERY_STRING", "matchedData": ["1", "OR", "1=1"]}],
        args="id=1%20OR%201=1", request_id="1-6063bb00-4e5f6a7b8c9d0e1f2a3b4c5d"),
]
WAF_EUW1_2021_03_02 = [
    waf(1614680000000, ACL_EU, "BLOCK", "e9dd190d-7a43-4c06-bcea-409613d9506e", "REGULAR",
        "34.240.0.99", "IE", [("Host", "eu.example.com")], "/wp-login.php",
        request_id="1-603e0ec0-5f6a7b8c9d0e1f2a3b4c5d6e"),
    waf(1614680150000, ACL_EU, "ALLOW", "Default_Action", "REGULAR", "34.240.0.99", "IE",
        [("Host", "eu.example.com"), ("X-Forwarded-For", "10.1.1.1")], "/",
        non_terminating=[{"ruleId": "count-bots", "action": "COUNT", "ruleMatchDetails": []}],
        request_id="1-603e0f56-6a7b8c9d0e1f2a3b4c5d6e7f"),
]
WAF_APS1_2021_03_20 = [
    # ap-south-1 is not among the projection's enum regions
    waf(1616234400000, ACL, "BLOCK", "RateLimit100", "RATE_BASED", "53.21.198.66", "IN",
        [("Host", "in.example.com")], "/", request_id="1-6055b720-7b8c9d0e1f2a3b4c5d6e7f80"),
]


def waf_logs():
    for region, day, hhmm, recs in [
        ("us-east-1", "2021/03/15", "10/05", WAF_USE1_2021_03_15),
        ("us-east-1", "2021/03/31", "00/00", WAF_USE1_2021_03_31),
        ("eu-west-1", "2021/03/02", "10/15", WAF_EUW1_2021_03_02),
        ("ap-south-1", "2021/03/20", "10/00", WAF_APS1_2021_03_20),
    ]:
        stamp = day.replace("/", "") + "T" + hhmm.replace("/", "") + "Z"
        name = f"{ACCOUNT}_waflogs_{region}_webACL_{stamp}_7fa2e9b1.log.gz"
        write(f"waf/AWSLogs/{ACCOUNT}/WAFLogs/{region}/webACL/{day}/{hhmm}/{name}",
              "".join(compact(r) + "\n" for r in recs), gz=True)


# ---------------------------------------------------------------------------------------
# GuardDuty findings exported to S3: JSON lines, camelCase keys, gzip (KMS-encrypted in S3;
# has_encrypted_data only tells Athena's client to expect it)
# bucket/AWSLogs/<account>/GuardDuty/<region>/yyyy/mm/dd/<uuid>.jsonl.gz
# ---------------------------------------------------------------------------------------

def finding(fid, ftype, severity, title, created, resource, service):
    return {"schemaVersion": "2.0", "accountId": ACCOUNT, "region": "us-east-1",
            "partition": "aws", "id": fid,
            "arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0/finding/{fid}",
            "type": ftype, "resource": resource, "service": service, "severity": severity,
            "createdAt": created, "updatedAt": created.replace("T0", "T1", 1),
            "title": title, "description": title + "."}


GD = [
    finding("1ab2c3d4e5f60718293a4b5c6d7e8f90", "Trojan:EC2/DNSDataExfiltration", 8,
            "Data exfiltration through DNS queries from EC2 instance i-99999999",
            "2024-05-17T05:10:11.000Z",
            {"resourceType": "Instance",
             "instanceDetails": {"instanceId": "i-99999999", "instanceType": "m3.xlarge",
                                 "availabilityZone": "us-east-1b"}},
            {"serviceName": "guardduty", "detectorId": "12abc34d567e8fa901bc2d34e56789f0",
             "action": {"actionType": "DNS_REQUEST",
                        "dnsRequestAction": {"domain": "3cz9lcqzphxjxeknnbvlayp.example.com",
                                             "protocol": "UDP", "blocked": False}},
             "count": 14, "archived": False}),
    finding("2bc3d4e5f60718293a4b5c6d7e8f9a01", "Trojan:EC2/DNSDataExfiltration", 5,
            "Data exfiltration through DNS queries from EC2 instance i-88888888",
            "2024-05-17T06:00:00.000Z",
            {"resourceType": "Instance",
             "instanceDetails": {"instanceId": "i-88888888", "instanceType": "t3.micro"}},
            {"serviceName": "guardduty",
             "action": {"actionType": "DNS_REQUEST",
                        "dnsRequestAction": {"domain": "x1.exfil.example.net",
                                             "protocol": "TCP", "blocked": True}},
             "count": 2, "archived": False}),
    finding("3cd4e5f60718293a4b5c6d7e8f9a0b12", "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", 5,
            "Unusual console login was seen for principal GeneratedFindingUserName",
            "2024-05-17T07:30:00.000Z",
            {"resourceType": "AccessKey",
             "accessKeyDetails": {"accessKeyId": "GeneratedFindingAccessKeyId",
                                  "principalId": "GeneratedFindingPrincipalId",
                                  "userName": "GeneratedFindingUserName", "userType": "IAMUser"}},
            {"serviceName": "guardduty",
             "action": {"actionType": "AWS_API_CALL",
                        "awsApiCallAction": {"api": "ConsoleLogin", "serviceName": "signin.amazonaws.com",
                                             "callerType": "Remote IP"}},
             "count": 1, "archived": False}),
    finding("4de5f60718293a4b5c6d7e8f9a0b1c23", "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom", 8,
            "API GeneratedFindingAPIName was invoked from an IP address on a custom threat list",
            "2024-05-17T08:45:00.000Z",
            {"resourceType": "AccessKey",
             "accessKeyDetails": {"accessKeyId": "AKIAEXAMPLE2", "userName": "ops-bot",
                                  "userType": "IAMUser"}},
            {"serviceName": "guardduty",
             "action": {"actionType": "AWS_API_CALL",
                        "awsApiCallAction": {"api": "ListBuckets", "serviceName": "s3.amazonaws.com"}},
             "count": 3, "archived": True}),
    finding("5ef60718293a4b5c6d7e8f9a0b1c2d34", "Recon:EC2/PortProbeUnprotectedPort", 2,
            "Unprotected port on EC2 instance i-77777777 is being probed",
            "2024-05-17T09:00:00.000Z",
            {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-77777777"}},
            {"serviceName": "guardduty", "action": {"actionType": "PORT_PROBE"},
             "count": 40, "archived": False}),
]


def guardduty():
    base = f"guardduty/AWSLogs/{ACCOUNT}/GuardDuty/us-east-1/2024/05/17"
    write(f"{base}/0c1d2e3f-4a5b-36c7-8d9e-0f1a2b3c4d5e.jsonl.gz",
          "".join(compact(r) + "\n" for r in GD), gz=True)


# ---------------------------------------------------------------------------------------
# EMR logs: plain and gzip text files in the cluster's log folder
# s3://aws-logs-<account>-<region>/elasticmapreduce/<cluster-id>/...
# ---------------------------------------------------------------------------------------

EMR_FILES = {
    "containers/application_1561661818238_0002/container_1561661818238_0002_01_000001/stderr.gz": [
        "2019-07-23 10:15:01,101 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1561661818238_0002_000001",
        "2019-07-23 10:15:03,512 WARN [main] org.apache.hadoop.util.NativeCodeLoader: Unable to load native-hadoop library",
        "2019-07-23 10:15:09,000 ERROR [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Error starting MRAppMaster",
    ],
    "containers/application_1561661818238_0003/container_1561661818238_0003_01_000001/stderr.gz": [
        "2019-07-23 11:00:00,000 ERROR [main] something failed in application 3",
    ],
    "hadoop-mapreduce/history/2019/07/23/000000/job_1561661818238_0004-1563877211000-hadoop-conf.xml.gz": [
        "Job job_1561661818238_0004 finished: Failed Reduces=1",
        "Counters: Launched map tasks=4",
    ],
    "hadoop-state-pusher/i-00b3c0a839ece0a9c/hadoop-state-pusher.log.2019-07-23-10.gz": [
        "2019-07-23 10:00:00,000 INFO main: state pusher started",
        "2019-07-23 10:00:05,000 DEBUG main: heartbeat",
    ],
    "node/i-00b3c0a839ece0a9c/applications/hive/user/hive/hive.log.gz": [
        "2019-07-23T10:20:00,123 INFO [056e0609-33e1-4611-956c-7a31b42d2663 main] ql.Driver: Compiling command(queryId=hadoop_20190723102000_056e0609-33e1-4611-956c-7a31b42d2663)",
        "2019-07-23T10:20:01,000 INFO [main] ql.Driver: Completed compiling command",
    ],
    "node/i-00b3c0a839ece0a9c/applications/hadoop-yarn/yarn-yarn-resourcemanager-ip-10-0-0-1.log.2019-09-05-05.gz": [
        "2019-09-05 05:00:00,000 INFO resourcemanager.RMAppManager: container_1567660019320_0001_01_000001 allocated by resourcemanager",
        "2019-09-05 05:00:01,000 INFO resourcemanager.RMAppManager: other app",
    ],
    "node/i-00b3c0a839ece0a9c/applications/presto/server.log.gz": [
        "2019-07-23T10:30:00.000Z INFO main io.prestosql.server.PrestoServer ======== SERVER STARTED ========",
        "2019-07-23T10:31:00.000Z plain line without level",
    ],
    "node/i-00b3c0a839ece0a9c/daemons/instance-state/instance-state.log-2019-07-23-10-15.gz": [
        "# how long have we been up",
        "uptime: 10:15:00 up 1:02, 0 users, load average: 0.00, 0.01, 0.05",
        "FATAL example: disk nearly full",
    ],
    "node/i-00b3c0a839ece0a9c/applications/hadoop-hdfs/hadoop-hdfs-namenode-ip-10-0-0-1.log.gz": [
        "2019-07-23 10:40:00,000 WARN org.apache.hadoop.hdfs.server.namenode.FSNamesystem: low on space",
        "2019-07-23 10:40:01,000 checkpoint done",
    ],
    "steps/s-86URH188Z6B1/controller.gz": [
        "2019-07-23T10:05:00.000Z INFO Step created jobs: job_1561661818238_0002",
        "2019-07-23T10:05:01.000Z INFO startExec 'hadoop jar /usr/lib/hadoop/hadoop-streaming.jar'",
        "plain controller line",
    ],
    "steps/s-86URH188Z6B1/syslog.gz": [
        "2019-07-23 10:05:10,000 ERROR org.apache.hadoop.streaming.StreamJob: Job not successful!",
    ],
    "steps/s-2XYZABCDEFG1/stderr.gz": [
        "2019-07-23 10:06:00,000 WARN other step",
    ],
}


def emr():
    base = "emr/aws-logs-123456789012-us-west-2/elasticmapreduce/j-2ABCDE34F5GH6"
    for rel, rows in EMR_FILES.items():
        write(f"{base}/{rel}", lines(*rows), gz=rel.endswith(".gz"))


# ---------------------------------------------------------------------------------------
# S3 server access logs: uncompressed, one object per delivery
# bucket/prefix/YYYY-mm-DD-HH-MM-SS-<UniqueString>
# ---------------------------------------------------------------------------------------

OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
S3_DOC = [
    # The five example records of the S3 log format page, verbatim.
    f'{OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 {OWNER} 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1',
    f'{OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 {OWNER} 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - "GET /awsexamplebucket1?logging HTTP/1.1" 200 - 242 - 11 - "-" "S3Console/0.4" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1',
    f'{OWNER} awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 {OWNER} A1206F460EXAMPLE REST.GET.BUCKETPOLICY - "GET /awsexamplebucket1?policy HTTP/1.1" 404 NoSuchBucketPolicy 297 - 38 - "-" "S3Console/0.4" - BNaBsXZQQDbssi6xMBdBU2sLt+Yf5kZDmeBUP35sFoKa3sLLeMC78iwEIWxs99CRUrbS4n11234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1',
    f'{OWNER} awsexamplebucket1 [06/Feb/2019:00:01:00 +0000] 192.0.2.3 {OWNER} 7B4A0FABBEXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 33 - "-" "S3Console/0.4" - Ke1bUcazaN1jWuUlPJaxF64cQVpUEhoZKEG/hmy/gijN/I1DeWqDfFvnpybfEseEME/u7ME1234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1',
    f'{OWNER} awsexamplebucket1 [06/Feb/2019:00:01:57 +0000] 192.0.2.3 {OWNER} DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /awsexamplebucket1/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1',
]
IAM = "arn:aws:iam::123456789123:user/user_name"
S3_MORE = [
    # DELETE of images/picture.jpg by an IAM user (doc queries 1 and 2)
    f'{OWNER} awsexamplebucket1 [18/Feb/2017:06:59:59 +0000] 192.0.2.77 {IAM} 1A2B3C4D5EXAMPLE REST.DELETE.OBJECT images/picture.jpg "DELETE /awsexamplebucket1/images/picture.jpg HTTP/1.1" 204 - - - 12 - "-" "aws-cli/1.11.13 Python/2.7.12 Linux/4.4.0" - Y2hlY2tzdW1ob3N0aWQxMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcA== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    # prefix/images/picture.jpg within and outside 07:00-08:00 on 2017-02-18 (doc query 3)
    f'{OWNER} awsexamplebucket1 [18/Feb/2017:07:30:00 +0000] 192.0.2.77 {IAM} 2B3C4D5E6EXAMPLE REST.GET.OBJECT prefix/images/picture.jpg "GET /awsexamplebucket1/prefix/images/picture.jpg HTTP/1.1" 200 - 52344 52344 40 12 "https://www.example.com/" "Mozilla/5.0" - aG9zdGlkMjM0NTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dg== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    f'{OWNER} awsexamplebucket1 [18/Feb/2017:08:00:01 +0000] 192.0.2.77 {IAM} 3C4D5E6F7EXAMPLE REST.GET.OBJECT prefix/images/picture.jpg "GET /awsexamplebucket1/prefix/images/picture.jpg HTTP/1.1" 304 - - 52344 8 - "-" "Mozilla/5.0" - aG9zdGlkMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9wcXJzdHV2dw== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    # transfers from 1.2.3.4 in and out of June 2017 (doc query 4)
    f'{OWNER} awsexamplebucket1 [10/Jun/2017:12:00:00 +0000] 1.2.3.4 {OWNER} 4D5E6F708EXAMPLE REST.GET.OBJECT data/a.csv "GET /awsexamplebucket1/data/a.csv HTTP/1.1" 200 - 1000 1000 20 10 "-" "aws-sdk-java/1.11" - aG9zdGlkNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eA== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    f'{OWNER} awsexamplebucket1 [20/Jun/2017:12:00:00 +0000] 1.2.3.4 {OWNER} 5E6F70819EXAMPLE REST.PUT.OBJECT data/b.csv "PUT /awsexamplebucket1/data/b.csv HTTP/1.1" 200 - - 2048 30 15 "-" "aws-sdk-java/1.11" - aG9zdGlkNTY3ODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eQ== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    f'{OWNER} awsexamplebucket1 [01/Jul/2017:00:00:01 +0000] 1.2.3.4 {OWNER} 6F708192AEXAMPLE REST.GET.OBJECT data/c.csv "GET /awsexamplebucket1/data/c.csv HTTP/1.1" 200 - 500 500 5 4 "-" "aws-sdk-java/1.11" - aG9zdGlkNjc4OTBhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    # PUT, GET and an anonymous GET on 2019-07-01 (the object-access queries)
    f'{OWNER} awsexamplebucket1 [01/Jul/2019:10:00:00 +0000] 192.0.2.3 {IAM} 708192A3BEXAMPLE REST.PUT.OBJECT uploads/x.bin "PUT /awsexamplebucket1/uploads/x.bin HTTP/1.1" 200 - - 10485760 900 30 "-" "aws-cli/1.16.0" - aG9zdGlkNzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MA== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2',
    f'{OWNER} awsexamplebucket1 [01/Jul/2019:11:00:00 +0000] 203.0.113.99 - 8192A3B4CEXAMPLE REST.GET.OBJECT public/index.html "GET /awsexamplebucket1/public/index.html HTTP/1.1" 200 - 2048 2048 10 9 "-" "Mozilla/5.0" - aG9zdGlkODkwYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMQ== - - - awsexamplebucket1.s3.amazonaws.com -',
    # S3 adds fields at the end over time; the DDL's regex keeps matching (".*$").
    f'{OWNER} awsexamplebucket1 [02/Jul/2019:09:00:00 +0000] 192.0.2.3 {IAM} 92A3B4C5DEXAMPLE REST.HEAD.OBJECT uploads/x.bin "HEAD /awsexamplebucket1/uploads/x.bin HTTP/1.1" 200 - - 10485760 3 2 "-" "aws-cli/1.16.0" - aG9zdGlkOTBhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMg== SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.amazonaws.com TLSv1.2 - Yes',
    # A truncated record: the regex does not match, the row is all NULLs.
    f'{OWNER} awsexamplebucket1 [02/Jul/2019:09:30:00 +0000] 192.0.2.3',
]


def s3_access():
    write("s3_access/awsexamplebucket1-logs/prefix/2019-02-06-00-02-11-5E1B7D6C8EXAMPLE",
          lines(*S3_DOC))
    write("s3_access/awsexamplebucket1-logs/prefix/2019-07-02-10-00-00-0F1E2D3C4EXAMPLE",
          lines(*S3_MORE))


def main():
    for sub in ["alb", "elb_classic", "nlb", "cloudfront", "cloudtrail", "vpc", "global_accelerator",
                "network_firewall", "route53", "waf", "guardduty", "emr", "s3_access"]:
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)
    alb()
    elb_classic()
    nlb()
    cloudfront()
    cloudtrail()
    vpc_flow()
    global_accelerator()
    network_firewall()
    route53()
    waf_logs()
    guardduty()
    emr()
    s3_access()


if __name__ == "__main__":
    main()
