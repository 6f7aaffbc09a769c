"""The one canonical form of a URL found in a page: link targets, image sources, embeds.

Two renders of an unchanged page point at the same things through different spellings: a
``?utm_source=`` on a link, a session id, a cache-busting ``?v=1733`` on an image, a CDN resize
(``?w=800``, ``-300x200.jpg``) chosen per visitor. Comparing raw URLs would turn each of those
into a "link changed"; so extraction stores :func:`clean_url` and the diff and the fingerprint
compare :func:`image_identity` for images. The parameter lists are data, not code: a new
tracking parameter is one more word. Pure functions, standard library only (and ``textutil``).
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import (
    SplitResult,
    parse_qsl,
    unquote,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

from worker.textutil import alternation


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


# Query parameters that never change what a link points at: campaign tracking, click ids,
# session ids and CSRF tokens. Matched case-insensitively; ``utm_*`` by prefix.
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs", "trk_", "ns_", "x-amz-", "x-goog-")
NOISE_PARAMS = _words(
    "fbclid gclid dclid gbraid wbraid msclkid yclid igshid twclid ttclid li_fat_id _ga _gl",
    "mkt_tok cmpid cmp ito itm_source itm_medium itm_campaign ref ref_src ref_url referrer",
    "referer int",
    "sid sessionid session_id phpsessid jsessionid aspsessionid cfid cftoken",
    "csrf csrf_token _token nonce xtor at_medium at_campaign intcmp icid ocid smid smtyp",
    "guccounter guce_referrer guce_referrer_sig ga_source ga_medium ga_campaign",
    "expires signature key-pair-id policy",  # signed CDN links: they expire and re-sign
    "xcust clickid click_id irclickid aff_sub subid sub_id",  # per-visitor affiliate ids
)
# Cache busters: always dropped from images and embeds; dropped from links only when the value
# looks generated (a clock or a hash), because ``?v=`` is also YouTube's video id.
CACHE_PARAMS = _words("v ver version cb cachebuster cache_bust cachebust nocache _ t ts")
CACHE_PARAMS |= _words("timestamp time rand rnd r itok hash rev build token")
GENERATED_VALUE = re.compile(r"^(?:\d{6,}(?:\.\d+)?|[0-9a-f]{8,}|[0-9a-z_-]{20,})$", re.I)
# Extra parameters that only pick a rendition of the same image (size, crop, format, quality).
IMAGE_PARAMS = _words(
    "w h width height size resize fit crop quality q auto format fm dpr rect ixlib ixid",
    "s fp-x fp-y fp-z sharp blur strip output compress im imwidth imheight mode scale",
    "sig se st sp sv sr",  # storage access signatures on image URLs
)
# The parameters of an embed's address that say which video, post or document it shows.
EMBED_CONTENT_PARAMS = _words(
    "v id ids vid video video_id videoid list playlist url href src file doc docid document",
    "p post status track album episode show channel clip embed q query pid",
)
# Path parameters (``;jsessionid=...``) carried by some Java servers.
PATH_PARAMS = re.compile(r";(?:jsessionid|sid|phpsessid)=[^/?#]*", re.IGNORECASE)
# Renditions spelled in the file name or path: WordPress ``-300x200``, ``@2x``, a build hash
# (``hero.3f9a1c2b.jpg``), CDN path transforms (``/w_800,h_600,c_fill/``, ``/1200x630/``).
IMAGE_NAME_NOISE = re.compile(
    r"(?:-\d{2,5}x\d{2,5}|@\d(?:\.\d)?x|[._-](?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}|-scaled|"
    r"[._-]\d{10,13})"
    r"(?=\.[a-z0-9]{2,5}$)",
    re.IGNORECASE,
)
IMAGE_PATH_NOISE = re.compile(
    r"^(?:\d{2,5}x\d{2,5}|(?:[a-z]{1,3}_[^/,]+)(?:,[a-z]{1,3}_[^/,]+)*|fit-in|smart|"
    r"resize|resized|thumbs?|thumbnails?|filters:.*|(?:w|h)\d{2,5}|v\d{6,})$",
    re.IGNORECASE,
)
# Schemes a link can have that point nowhere worth watching.
IGNORED_SCHEMES = _words("javascript data about blob")
# Targets that are files or datasets, not pages: by extension, or by a word in the path.
DOCUMENT_EXTENSIONS = _words(
    "pdf doc docx odt rtf txt xls xlsx ods csv tsv json xml zip gz tar 7z ppt pptx odp",
    "geojson kml kmz shp parquet sav dta epub mp3 mp4",
)
DOCUMENT_DIRECTORIES = (
    "download downloads dataset datasets data-set data-sets file files document documents",
    "attachment attachments publication/files publications/files uploads assets/docs",
    "media/docs bitstream fileadmin",
)
DOCUMENT_PATH_WORDS = re.compile(
    r"/(?:" + "|".join(sorted(_words(*DOCUMENT_DIRECTORIES))) + r")(?:/|$)", re.IGNORECASE
)
# What a document's URL cannot lack: a directory's last segment (any word that holds another
# is left to that one) or ``.`` and an extension, anywhere before its query. Neither needs a
# word boundary, so plain substring tests answer it (a regex alternation tries every word at
# every position: several times slower on a long address).
_LAST_SEGMENTS = {word.rsplit("/", 1)[-1] for word in _words(*DOCUMENT_DIRECTORIES)}
_HINT_WORDS = tuple(
    sorted(w for w in _LAST_SEGMENTS if not any(v != w and v in w for v in _LAST_SEGMENTS))
)
_HINT_EXTENSIONS = tuple(sorted(DOCUMENT_EXTENSIONS))  # as ``str.startswith`` takes them
# Their opening characters, as long as the shortest: a set lookup rules most dots out (a host's,
# ``.html``) before ``startswith`` tries every extension.
_HEAD_CHARS = min(len(extension) for extension in DOCUMENT_EXTENSIONS)
_HINT_HEADS = frozenset(extension[:_HEAD_CHARS] for extension in DOCUMENT_EXTENSIONS)
_WEB_PREFIXES = ("https://", "http://")
_DOCUMENT_HINT_WORDS = alternation(_HINT_WORDS) + rf"|\.(?:{alternation(DOCUMENT_EXTENSIONS)})"
_DOCUMENT_HINT = re.compile(_DOCUMENT_HINT_WORDS, re.IGNORECASE)  # for text not ASCII
_ASSET_NOISE = NOISE_PARAMS | CACHE_PARAMS | IMAGE_PARAMS
WEB_SCHEMES = frozenset({"http", "https"})  # urlsplit lower-cases the scheme
_UNSAFE_URL_CHARACTERS = str.maketrans("", "", "\t\r\n")  # urlsplit drops them anywhere
# What keeps an absolute address off the string-only path of ``clean_url``: path parameters,
# characters urlsplit removes, IPv6 brackets it validates.
_NOT_PLAIN = re.compile(r"[;\t\r\n\[\]]")


@lru_cache(maxsize=8192)
def clean_url(href: str, base: str = "") -> str:
    """Absolute ``href`` without fragment, tracking, session or cache-busting parameters.

    Returns "" for links that go nowhere (``javascript:``, ``#top``, empty) and for hrefs no
    URL parser accepts (``http://[x``): a page's one malformed link must not stop its extraction.
    """
    if plain := _plain_web_url(href, NOISE_PARAMS, CACHE_PARAMS):
        return plain
    parts = _resolved(href, base)
    if parts is None:
        return ""
    query = _keep_params(parts.query, NOISE_PARAMS, generated=CACHE_PARAMS)
    return _unsplit(parts, query)


def _plain_web_url(
    href: str, noise: frozenset[str], generated: frozenset[str] = frozenset()
) -> str:
    """The cleaned form of an absolute ``http(s)`` address whose query, if any, holds only
    parameters :func:`_keep_params` drops (``noise``, ``generated``), worked out by string
    tests alone; "" for any other ``href`` (the parser decides those). Most links and images
    on a page are such addresses: for them splitting, resolving and joining again only
    lower-cases the host, drops the fragment and the query and gives an empty path its ``/``."""
    href = href.strip()
    if href.startswith("https://"):
        start = 8
    elif href.startswith("http://"):
        start = 7
    else:
        return ""
    href = href.partition("#")[0]
    if not href.isascii() or _NOT_PLAIN.search(href) is not None:
        return ""  # non-ASCII hosts are normalized and brackets checked by the parser
    href, _, query = href.partition("?")
    if query and not _drops_every_param(query, noise, generated):
        return ""
    end = href.find("/", start)
    host = href[start:] if end < 0 else href[start:end]
    if not host:
        return ""  # ``http:///path`` has no host: it is resolved against the page
    return href[:start] + host.lower() + (href[end:] if end >= 0 else "/")


def _drops_every_param(query: str, noise: frozenset[str], generated: frozenset[str]) -> bool:
    """Would :func:`_keep_params` leave nothing of ``query``? Read the way ``parse_qsl`` reads
    it (``&``-separated, a name without ``=`` has an empty value), which is the text as
    written when no ``%`` or ``+`` asks for decoding (else the answer is no: the parser
    decides)."""
    for piece in query.split("&"):
        if not piece:
            continue
        if "%" in piece or "+" in piece:
            return False
        key, _, value = piece.partition("=")
        if not _is_noise_param(key.lower(), value, noise, generated):
            return False
    return True


def _resolved(href: str, base: str) -> SplitResult | None:
    """``href`` resolved against ``base`` and split; None when it goes nowhere or no parser
    accepts it. An absolute web address is split as it is: ``urljoin`` would only split it,
    join it and hand it back (most of a link's cost, and most links on a page are absolute)."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        parts = urlsplit(href)
        if base and not (parts.netloc and parts.scheme in WEB_SCHEMES):
            parts = _from_root(parts, base) or urlsplit(urljoin(base, href))
    except ValueError:
        return None
    return None if parts.scheme.lower() in IGNORED_SCHEMES else parts


def _from_root(parts: SplitResult, base: str) -> SplitResult | None:
    """``urlsplit(urljoin(base, href))`` for an ``href`` (split as ``parts``) that is a path
    from the root of a web page's host (``/news/story?id=3``), without joining and splitting
    again: the base's scheme and host, and ``href``'s path, query and fragment as they are.
    None for any other ``href``: a dot segment (``/a/../b``) or a ``;`` in the path, which
    ``urljoin`` rewrites, or a base that is no web address with a host."""
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or "/." in path or ";" in path:
        return None
    scheme, host = _scheme_and_host(base)
    if not host:
        return None
    return SplitResult(scheme, host, path, parts.query, parts.fragment)


@lru_cache(maxsize=64)
def _scheme_and_host(base: str) -> tuple[str, str]:
    """The scheme and host of a web address (cached: a page's links share its URL as base);
    no host for any other address."""
    parts = urlsplit(base)
    if parts.scheme not in WEB_SCHEMES or "[" in parts.netloc:
        return parts.scheme, ""
    return parts.scheme, parts.netloc


def _unsplit(parts: SplitResult, query: str) -> str:
    path = PATH_PARAMS.sub("", parts.path) if ";" in parts.path else parts.path
    path = path or ("/" if parts.netloc else "")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def clean_image_url(src: str, base: str = "") -> str:
    """:func:`clean_url` that also drops rendition parameters (``?w=800&fit=crop``).

    One pass when the address has a host (its path then starts with ``/``, so splitting the
    cleaned URL again gives back the same parts): the parameters :func:`clean_url` keeps are
    read back unchanged, so dropping both kinds at once is the same as dropping them in turn."""
    if plain := _plain_web_url(src, _ASSET_NOISE):
        return plain
    parts = _resolved(src, base)
    if parts is None:
        return ""
    if not parts.netloc:
        parts = urlsplit(clean_url(src, base))
        return urlunsplit(parts._replace(query=_keep_params(parts.query, _ASSET_NOISE)))
    return _unsplit(parts, _keep_params(parts.query, _ASSET_NOISE))


def clean_asset_url(src: str, base: str = "") -> str:
    """:func:`clean_url` for embedded things (iframes, videos): only the parameters that name
    the content stay (``v``, ``id``, ``url`` ...). Players and widgets add session ids, widget
    versions, origins and layout flags that change between renders of the same post."""
    parts = urlsplit(clean_url(src, base))
    pairs = _plain_pairs(parts.query)
    kept = sorted(
        (key, value)
        for key, value in (
            parse_qsl(parts.query, keep_blank_values=True) if pairs is None else pairs
        )
        if key.lower() in EMBED_CONTENT_PARAMS
    )
    return urlunsplit(parts._replace(query=_encoded(kept, pairs is not None)))


def _keep_params(query: str, noise: frozenset[str], generated: frozenset[str] = frozenset()) -> str:
    """The query without noise parameters (and ``generated`` ones whose value is a clock or
    hash), sorted so that parameter order is no difference."""
    if not query:
        return ""  # most URLs have no query: urlencode([]) is "" too
    pairs = _plain_pairs(query)
    kept = [
        (key, value)
        for key, value in (parse_qsl(query, keep_blank_values=True) if pairs is None else pairs)
        if not _is_noise_param(key.lower(), value, noise, generated)
    ]
    kept.sort()
    return _encoded(kept, pairs is not None)


def _encoded(pairs: list[tuple[str, str]], plain: bool) -> str:
    """``urlencode(pairs)``; pairs read by :func:`_plain_pairs` (``plain``) need no escaping."""
    return "&".join(f"{key}={value}" for key, value in pairs) if plain else urlencode(pairs)


# Query text that ``parse_qsl`` reads as it is written and ``urlencode`` writes back the same:
# letters, digits and ``_.~-`` (any other character is decoded or escaped), ``=`` and ``&``.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")


def _plain_pairs(query: str) -> list[tuple[str, str]] | None:
    """``parse_qsl(query, keep_blank_values=True)`` read by splitting alone, for a plain query
    (see ``_PLAIN_QUERY``) whose values hold no ``=`` (``urlencode`` escapes one); else None.
    Most queries are such, and then neither decoding nor escaping has anything to do."""
    if _PLAIN_QUERY.fullmatch(query) is None:
        return None
    pairs = []
    for piece in query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            if "=" in value:
                return None
            pairs.append((key, value))
    return pairs


def _is_noise_param(key: str, value: str, noise: frozenset[str], generated: frozenset[str]) -> bool:
    if key in noise or key.startswith(TRACKING_PREFIXES):
        return True
    return key in generated and GENERATED_VALUE.match(value) is not None


def image_identity(src: str) -> str:
    """What makes two image URLs the same picture: the file, not the host or the rendition.

    CDN hosts rotate (``img1.``/``img2.``) and renditions are picked per visitor, so identity
    is the path without rendition segments and size suffixes, plus the remaining query.
    """
    parts = urlsplit(src)
    query = _keep_params(parts.query, NOISE_PARAMS | CACHE_PARAMS | IMAGE_PARAMS)
    segments = [s for s in unquote(parts.path).split("/") if s]
    if segments:
        segments[-1] = IMAGE_NAME_NOISE.sub("", segments[-1])
    kept = [s for s in segments[:-1] if not IMAGE_PATH_NOISE.match(s)] + segments[-1:]
    path = "/".join(kept).lower()
    return f"{path}?{query}" if query else path


def file_name(url: str) -> str:
    """The last path segment, for sentences like "link to report.pdf removed"."""
    path = unquote(urlsplit(url).path).rstrip("/")
    return posixpath.basename(path) or urlsplit(url).netloc or url


def may_be_document_url(href: str, base: str = "") -> bool:
    """Could :func:`is_document_url` hold for ``clean_url(href, base)``? Never "no" for a
    document, and far cheaper than resolving the URL, which matters when most links on a page
    are only asked this (article mode keeps a link outside the body's paragraphs only when it
    is a document). The resolved path is made of segments of the two paths (dot segments and
    session parameters only take some away), so what makes it a document's is in one of them."""
    return _hints_document(base) or _hints_document(href.strip())  # as clean_url strips it


@lru_cache(maxsize=256)
def _hints_document(url: str) -> bool:
    """Does the path part of ``url`` hold a hint (cached: the page's own URL is asked for
    every link on it)? Of an absolute ASCII address only the path (:func:`_path_part`): a
    resolved address's path is made of the paths' segments, and a document is told by its path
    alone. ASCII text is lower-cased and searched for the words as they are; only other text
    can hold letters such as U+212A KELVIN SIGN that match ``k`` when the case is ignored, so
    it is asked of the case-blind pattern."""
    if "\t" in url or "\r" in url or "\n" in url:  # rare: translate is slow per character
        url = url.translate(_UNSAFE_URL_CHARACTERS)
    end = len(url)
    for mark in "?#":
        if (found := url.find(mark, 0, end)) >= 0:
            end = found
    if not url.isascii():
        return _DOCUMENT_HINT.search(url, 0, end) is not None
    path = _path_part(url[:end].lower())
    for word in _HINT_WORDS:  # a plain loop: any() over a generator is slower
        if word in path:
            return True
    dot = path.find(".")
    while dot >= 0:
        head = path[dot + 1 : dot + 1 + _HEAD_CHARS]
        if head in _HINT_HEADS and path.startswith(_HINT_EXTENSIONS, dot + 1):
            return True
        dot = path.find(".", dot + 1)
    return False


def _path_part(url: str) -> str:
    """The path of an absolute web address (lower-cased, cut before its query): a host names
    no document, and its dots are most of an address's. Any other text as it is: the parser
    may read it otherwise, so all of it is searched."""
    for prefix in _WEB_PREFIXES:
        if url.startswith(prefix):
            slash = url.find("/", len(prefix))  # urlsplit ends the host at the first "/"
            return url[slash:] if slash >= 0 else ""
    return url


def is_document_url(url: str) -> bool:
    """Does the URL point at a file or a dataset (by extension or a download-ish path)?

    Most URLs hold none of the words either test looks for: the cached hint test says so
    without splitting the URL (it looks at more than the path, so it can only say "maybe")."""
    if not _hints_document(url):
        return False
    path = urlsplit(url).path
    extension = posixpath.splitext(path)[1].lstrip(".").lower()
    return extension in DOCUMENT_EXTENSIONS or DOCUMENT_PATH_WORDS.search(path) is not None


# --- one article, several addresses -------------------------------------------------------
# Spellings of one article's address that are the same article: the AMP rendition
# (``/amp``, ``?amp=1``, ``?outputType=amp``, an ``amp.`` host), ``www.``, http or https, a
# default port, a trailing slash. Used to *match* addresses (feed items, redirects, canonical
# links), never to fetch one.
AMP_PARAMS = _words("amp outputtype amp_js_v usqp")
AMP_SEGMENT = "amp"
HOST_PREFIXES = ("www.", "amp.", "m.")
SCHEME_PORTS = {"http": 80, "https": 443}  # a web scheme's port when the URL names none
DEFAULT_PORTS = frozenset(SCHEME_PORTS.values())
# Second-level labels under a country code that registries sell names below (``bbc.co.uk``):
# a short list instead of the whole public suffix list, enough to keep ``co.uk`` sites apart.
GENERIC_SECOND_LEVELS = _words("co com net org gov edu ac ne or go gob nic mil ltd plc")


@lru_cache(maxsize=8192)
def identity_key(url: str) -> str:
    """The form every address of one article shares, or "" for what is no web page address.

    Cached: a check compares the keys of its few addresses a dozen times.

    ``https://www.example.com/a/story/amp?utm_source=x`` and ``http://example.com/a/story/``
    both give ``example.com/a/story``: host without ``www.``/``amp.``/``m.``, no scheme, no
    AMP marker, no tracking (:func:`clean_url`), no trailing slash.
    """
    parts = urlsplit(clean_url(url))
    try:
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname or ""
    if parts.scheme not in WEB_SCHEMES or not host:
        return ""
    while host.startswith(HOST_PREFIXES) and host.count(".") > 1:  # ``m.www.`` too
        host = host.split(".", 1)[1]
    if port is not None and port not in DEFAULT_PORTS:
        host = f"{host}:{port}"
    segments = [s for s in parts.path.split("/") if s]
    while segments and segments[-1].lower() == AMP_SEGMENT:  # ``/story/amp``
        segments.pop()
    while segments and segments[0].lower() == AMP_SEGMENT:  # ``/amp/story``
        segments.pop(0)
    query = _keep_params(parts.query, AMP_PARAMS)
    return host + "/" + "/".join(segments) + (f"?{query}" if query else "")


def registrable_domain(url: str) -> str:
    """The name a publisher registers (``example.co.uk`` for ``news.example.co.uk``).

    An IP address or a one-label host is its own domain. Approximate (see
    ``GENERIC_SECOND_LEVELS``): it only decides whether a canonical link may name another host.
    """
    host = (urlsplit(url).hostname or "").rstrip(".")
    labels = host.split(".")
    if len(labels) < 3 or host.replace(".", "").isdigit() or ":" in host:
        return host
    keep = 3 if len(labels[-1]) == 2 and labels[-2] in GENERIC_SECOND_LEVELS else 2
    return ".".join(labels[-keep:])


def is_front_of(candidate: str, article: str) -> bool:
    """Is ``candidate`` a site's front page or a section above ``article`` (``/``, ``/world``
    for ``/world/2026/story``)? Many sites set every page's canonical link to one of those."""
    claim, page = identity_key(candidate), identity_key(article)
    if not claim or "?" in claim:
        return False
    host, _, path = claim.partition("/")
    if not path:
        return True
    page_host, _, page_path = page.partition("/")
    return host == page_host and page_path.startswith(path + "/")


# --- the site part of an address, per check -------------------------------------------------


def site_prefix(url: str) -> str:
    """``url`` up to the end of its netloc (``scheme://user@host:port``), or the whole URL when
    it has no ``//``: what ``urlsplit`` reads the scheme and netloc from (the netloc ends at the
    first ``/``, ``?`` or ``#`` after ``//``). Cut from the string, not parsed: every check asks
    for its host, and a fleet has far fewer sites than URLs, so what is derived from this (see
    :func:`hostname_of`) is cached per site."""
    start = url.find("//")
    if start < 0:
        return url
    end = len(url)
    for stop in "/?#":
        found = url.find(stop, start + 2, end)
        if found >= 0:
            end = found
    return url[:end]


def hostname_of(url: str) -> str:
    """``urlsplit(url).hostname or ""``, cached per site (:func:`site_prefix`)."""
    return _hostname(site_prefix(url))


@lru_cache(maxsize=4096)
def _hostname(prefix: str) -> str:
    return urlsplit(prefix).hostname or ""
