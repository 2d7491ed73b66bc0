from __future__ import annotations

import pytest

from reverie.core.redaction import luhn_ok, redact

PEM_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
    "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ",
    "agxXU1ZANxrS1/I2P4rX7w==",
]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("card 4111 1111 1111 1111 exp 04/29", "card"),
        ("MC: 5555-5555-5555-4444", "card"),
        ("amex 378282246310005", "card"),
        ("aws AKIAIOSFODNN7EXAMPLE here", "aws_key"),
        ("GH ghp_aBcD1234eFgH5678iJkL9012mNoP3456qRsT", "github_token"),
        ("pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_token"),
        ("SLACK=xoxb-123456789012-abcdefghijklmnop", "slack_token"),
        ("export OPENAI=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXyZ0", "openai_key"),
        ("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
        ("maps AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY ok", "google_key"),
        (
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "jwt",
        ),
        ("API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0", "secret"),
        ('"client_secret": "Xq9vT2mZ8kLp4Rw7Yb1Nc6Hd"', "secret"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==", "token"),
        ("password: hunter2", "password"),
        ("db passwd=s3cr3t!", "password"),
        ("pwd  letmein", "password"),
        ("postgres://admin:Tr0ub4dor@db.local/prod", "password"),
        ("AWS secret access key\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret"),
        # OCR splits long keys at glyph gaps and misreads 0 as o: the pieces still make one secret.
        ("OPENAI_API_KEY=sk- live-docJ2isAj IhKtJoRlgLKOmxgJTeKdNnF", "secret"),
        ("key shown once: sk- proj-Ab3dEf6h Ij9kLm2nOp5qRs8tUv1 copy it now", "secret"),
        # Half typed into a payment form: fails Luhn, but the label says what it is.
        ("Name on card\nSam Rivera\nCard number\n4661 3186 0913 909\nExpiry (MM/YY)", "card"),
        ("Card number: 4661 3186 09", "card"),
    ],
)
def test_detects(text: str, kind: str) -> None:
    result = redact(text)
    assert result.counts.get(kind, 0) >= 1, (result.text, result.counts)
    assert f"[REDACTED:{kind}]" in result.text


def test_keeps_the_name_of_an_assignment() -> None:
    assert redact("API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0").text == "API_KEY=[REDACTED:secret]"
    split = redact("OPENAI_API_KEY=sk- live-docJ2isAj IhKtJoRlgLKOmxgJTeKdNnF # staging only")
    assert split.text == "OPENAI_API_KEY=[REDACTED:secret] # staging only"
    assert redact("password: hunter2 and more").text == "password: [REDACTED:password] and more"


@pytest.mark.parametrize(
    "text",
    [
        "The meeting moved to 2024-01-15 at 14:30; call +1 555-123-4567 or (030) 1234 5678.",
        "Upgrade to Python 3.11.7 and numpy 2.4.6; release v1.2.3-beta.4+build.20240115 is out.",
        "Order 4111 1111 1111 1112 failed the checksum, so it is just a number.",
        "ms timestamp 1700000000000 and id 123456789012345678",
        "Your password has been reset. Forgot password? The key insight is simple.",
        "max_tokens: 512, token_count = 123456789012345678, secret_santa: yes",
        "token = getTokenFromEnvironment() and self.access_token_cache",
        "1 2 3 4 5 6 7 8 9 1 2 3 4 5 6 7",
        "0000 0000 0000 0000",
        "commit 9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c merged into main",
        "See https://example.com/docs/configuration_manager_v2/index.html for details.",
        "Secret = Project Alpha Launch Plan 2026 and token: the quick brown fox jumps over",
        "skip sk- this is fine 2026 text",
        "Invoice INV-2931 for $3,335.75 paid by card on 2026 0310; ticket 4412 7781 closed",
    ],
)
def test_leaves_ordinary_text_alone(text: str) -> None:
    result = redact(text)
    assert result.text == text, result.counts
    assert result.total == 0


def test_multiline_private_key_block() -> None:
    text = "\n".join(
        ["cat id_rsa", "-----BEGIN RSA PRIVATE KEY-----", *PEM_BODY, "-----END RSA PRIVATE KEY-----", "$ ls"]
    )
    result = redact(text)
    assert result.text == "cat id_rsa\n[REDACTED:private_key]\n$ ls"
    assert result.counts == {"private_key": 1}


def test_private_key_cut_off_by_the_screen_edge() -> None:
    # OCR mangles the dashes and the footer is below the fold.
    top = redact("\n".join(["key.pem", "----BEGIN PRIVATE KEY-----", *PEM_BODY[:3]]))
    assert top.text == "key.pem\n[REDACTED:private_key]"
    # Block scrolled in from the top: footer without header.
    bottom = redact("\n".join([*PEM_BODY[1:], "-----END OPENSSH PRIVATE KEY-----", "next line of prose"]))
    assert bottom.text == "[REDACTED:private_key]\nnext line of prose"


def test_counts_and_spans_map_back_to_the_input() -> None:
    text = "a AKIAIOSFODNN7EXAMPLE b 4111-1111-1111-1111 c password=x"
    result = redact(text)
    assert result.counts == {"aws_key": 1, "card": 1, "password": 1}
    assert [text[s:e] for s, e, _ in result.spans] == ["AKIAIOSFODNN7EXAMPLE", "4111-1111-1111-1111", "x"]


def test_luhn() -> None:
    assert luhn_ok("79927398713")
    assert not luhn_ok("79927398710")


def test_card_with_an_ocr_lookalike_glyph_is_still_redacted() -> None:
    from reverie.core.redaction import redact

    result = redact("card 4111 111l 1111 1111 exp 04/29")
    assert "111l" not in result.text and result.counts.get("card") == 1
    assert redact("Version B2B 2024 plan").text == "Version B2B 2024 plan"
