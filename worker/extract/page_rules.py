"""Page mode's and the media extractor's data: regions, chrome markers, embeds, furniture lines.

Like ``rules`` for articles, these are named constants, not ``if`` chains: a new kind of
rotating teaser or a new embed provider is one more word here. URL canonicalisation (tracking,
session and cache-busting parameters, image renditions) lives in :mod:`worker.urls`, because
the diff and the fingerprint compare URLs in the same form.
"""

from __future__ import annotations

import re


def _words(*groups: str) -> frozenset[str]:
    return frozenset(word for group in groups for word in group.split())


# --- choosing the mode (``auto``) --------------------------------------------------------------
# JSON-LD types and og:type values that say "this is an article"; a page without them is read
# as a page unless its body text clearly dominates the main region.
ARTICLE_LD_TYPES = _words(
    "Article NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle",
    "BlogPosting LiveBlogPosting TechArticle ScholarlyArticle Report",
)
ARTICLE_OG_TYPES = _words("article")
# Markup that says "article" without metadata: a meta of the article:* family, schema.org
# microdata of an article type, or an <article> element that holds the page's <h1> and reads as
# running text (at least this many paragraphs of this length, most of its text in them).
ARTICLE_META_SELECTORS = (
    'meta[property="article:published_time"]',
    'meta[name="article:published_time"]',
    'meta[property="article:modified_time"]',
)
ARTICLE_ELEMENT_MIN_PARAGRAPHS = 3
ARTICLE_ELEMENT_PARAGRAPH_CHARS = 40
ARTICLE_ELEMENT_TEXT_SHARE = 0.6
DOMINANT_SHARE = 0.6  # prose of the article body / main-region text: a "dominant text block"
PROSE_MIN_CHARS = 100  # a paragraph this long is running prose, not a label or a list item
DOMINANT_MIN_CHARS = 500
DOMINANT_MIN_PARAGRAPHS = 3

# --- the main content region ------------------------------------------------------------------
# Tried in order; the first that matches one element holding enough text is the region.
MAIN_SELECTORS = (
    "main",
    '[role="main"]',
    "#main-content",
    "#maincontent",
    "#content-main",
    "#main",
    ".main-content",
    "#content",
    ".content-area",
    "#primary",
    "article",
)
MIN_MAIN_CHARS = 80  # a <main> holding less than this is a skip-link target, not the page

# Subtrees inside the region that are chrome: by tag, by ARIA role, by class/id words.
CHROME_TAGS = _words(
    "nav aside footer form dialog menu script style noscript template svg button select",
    "input textarea label object canvas",
)
CHROME_TAGS_OUTSIDE_MAIN = CHROME_TAGS | {"header"}  # when the region is the whole <body>
CHROME_ROLES = _words("navigation banner contentinfo complementary search dialog alertdialog")
CHROME_ROLES |= _words("toolbar menu menubar tablist status timer marquee")
# Class or id words (whole tokens, split on - _ and spaces) that mark chrome and rotating parts.
CHROME_TOKENS = _words(
    "breadcrumb breadcrumbs skip skiplink cookie cookies consent gdpr share sharing social",
    "sharebar addthis sharethis teaser teasers carousel slider slideshow rotator rotating",
    "ticker marquee swiper slick owl splide glide flickity promo promos promotion spotlight",
    "related",
    "recommended recommendations popular trending mostread most-read newsletter subscribe",
    "signup sidebar advert advertisement ads ad sponsor sponsored",
    "counter counters count pageviews viewcount view-count hit-count share-count hits",
    "visitors feedback helpful survey downloads-count download-count",
    "pagination pager backtotop back-to-top toc langswitch language-switcher print",
    "comments comment disqus masthead topbar navbar menu nav footer",
    "timestamp lastupdated last-updated updated-date modified-date avatar gravatar logo",
)
# A section whose heading says it rotates ("Latest news", "Related", "More from ...") is a teaser
# block even inside the main region: its heading's container is skipped.
ROTATING_HEADING_TAGS = "h2, h3, h4, h5, h6"
ROTATING_LINK_SHARE = 0.5  # the container's text that is link text, for it to be a teaser block
ROTATING_HEADINGS = re.compile(
    r"^(?:latest|recent|related|popular|trending|featured|top|more|other|further|similar|"
    r"recommended|most (?:read|viewed|popular|shared)|you (?:may|might) also|see also|"
    r"in other news|what'?s new|read next|elsewhere|also on)\b"
    r"(?:.{0,40})$",
    re.IGNORECASE,
)
ROTATING_HEADING_WORDS = re.compile(
    r"\b(?:news|stories|posts|articles|reading|updates|headlines|coverage|content|"
    r"from (?:the|our)\b.*|like|interest|also|next|read|viewed|popular|shared)\b",
    re.IGNORECASE,
)
# Attributes that mark an element as live or hidden: its content changes on its own or is not
# shown to the reader.
LIVE_ATTRIBUTES = ("aria-live", "data-rotate", "data-ride", "data-slick", "data-carousel")
HIDDEN_ATTRIBUTES = ("hidden", "aria-hidden")
# (an inline style that hides: rules.HIDDEN_STYLE, one pattern for both walks)

# --- the walk in reading order ----------------------------------------------------------------
# (the heading tags: rules.HEADING_TAGS, one set for the walk and the scoring)
CELL_TAGS = _words("td th")
# Elements that flow inside a line; every other element starts and ends a block of its own.
INLINE_TAGS = _words(
    "a abbr b bdi bdo cite code del dfn em font i ins kbd mark q s samp small span strong",
    "sub sup time u var wbr data",
)
CELL_SEPARATOR = " | "
MAX_FURNITURE_PASSES = 3
MAX_FURNITURE_CHARS = 200  # longer lines are never only a stamp or a counter
MAX_BLOCK_CHARS = 5000  # one "paragraph" of a page is cut here (a data dump in a <pre>)

# Lines that are page furniture whose text changes on its own: a timestamp, a view or download
# counter, a "today is" clock, a copyright year. Each must match the whole line.
_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"  # English month names
)
_DATE = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?"
    rf"\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:[t ]\d{{2}}:\d{{2}}(?::\d{{2}})?[^\s]*)?|"
    rf"\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}})"
)
_TIME = (
    r"(?:\s*[,–-]?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?"
    r"(?:\s*[a-z]{2,5})?)?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+)?"
_STAMP_WORDS = (
    r"(?:(?:this )?page (?:was )?|content |site |document )?(?:last )?"
    r"(?:updated|modified|reviewed|published|posted|generated|retrieved|accessed|edited|"
    r"changed|revised)(?: on| at)?:?"
)
FURNITURE_LINES = tuple(
    re.compile(rf"^(?:{pattern})[.!]?$", re.IGNORECASE)
    for pattern in (
        rf"{_STAMP_WORDS}\s*{_WEEKDAY}{_DATE}{_TIME}",
        rf"(?:today is |as of )?{_WEEKDAY}{_DATE}{_TIME}",
        rf"(?:{_STAMP_WORDS}\s*{_WEEKDAY}{_DATE}{_TIME}\s*[|·•,;-]?\s*){{2,}}",
        r"(?:viewed|downloaded|visited|read|accessed|seen)\s+[\d,.]+\s*[km]?\s+times",
        r"(?:page ?views?|views?|visits?|visitors?|downloads?|hits?|reads?)\s*:?\s*[\d,.]+\s*[km]?",
        r"[\d,.]+\s*[km]?\s+(?:page ?views?|views?|visits?|visitors?|downloads?|hits?|reads?)",
        r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*[-–]\s*)?\d{4}.{0,80}",
        r"(?:print|share|email|tweet|top|back to top|skip to (?:main )?content)",
    )
)
# The same stamps and counters glued into a longer block: removed, the rest kept.
FURNITURE_INLINE = re.compile(
    rf"(?:^|(?<=[.!?|·•]))\s*(?:\(|\[)?{_STAMP_WORDS}\s*{_WEEKDAY}{_DATE}{_TIME}(?:\)|\])?\.?"
    rf"(?=\s*(?:[|·•,;—–(-]|$|(?:last |page )?(?:updated|modified|reviewed|published|posted)\b|"
    r"see\b))"
    r"|\b(?:downloaded|viewed|visited|read|accessed)\s+[\d,.]+\s*[km]?\s+times\b"
    r"|\(\s*[\d,.]+\s*[km]?\s+(?:views?|downloads?|hits?|visits?|reads?)\s*\)",
    re.IGNORECASE,
)

# --- images, links and embeds -----------------------------------------------------------------
# Where a lazy-loading page keeps the real source while ``src`` holds a placeholder.
IMAGE_SOURCE_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-orig-file", "src")
IMAGE_SRCSET_ATTRIBUTES = ("data-srcset", "data-lazy-srcset", "srcset")
PLACEHOLDER_IMAGE = re.compile(
    r"^data:|(?:blank|spacer|pixel|placeholder|transparent|lazy|loading)[^/]*\.(?:gif|png|svg)",
    re.IGNORECASE,
)
MIN_IMAGE_SIDE = 40
# Article mode: how far above the body container a lead image may sit (``figure`` before the
# body inside the same ``<article>``).
LEAD_REACH = 2
BODY_BLOCK_QUERY = "p, li, blockquote, pre, h2, h3, h4, h5, h6, dd, figcaption"
BODY_HEADING_QUERY = "h2, h3, h4, h5, h6"
BODY_MAJORITY = 0.8  # the container holds this share of the nodes that match body paragraphs
MIN_KEY_CHARS = 12  # paragraphs shorter than this are too common to locate the body by
# width/height attributes below this: an icon or a tracking pixel
# Share buttons and intents: links that are chrome wherever they appear. Lower-case ASCII, as
# DOCUMENT_LINK_TEXT and PLACEHOLDER_IMAGE: ASCII text is lower-cased and searched with a
# case-sensitive copy.
SHARE_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:facebook\.com/(?:sharer|share\.php|dialog/share)|"
    r"(?:twitter|x)\.com/(?:intent|share|home\?status)|linkedin\.com/(?:sharearticle|"
    r"cws/share|sharing)|(?:api\.)?whatsapp\.com/send|wa\.me/|t\.me/share|telegram\.me/share|"
    r"reddit\.com/submit|pinterest\.[a-z.]+/pin/create|tumblr\.com/share|getpocket\.com/save|"
    r"bsky\.app/intent|mastodonshare|news\.ycombinator\.com/submitlink|flipboard\.com/bookmarklet)",
    re.IGNORECASE,
)
SHARE_MAILTO = re.compile(r"^mailto:[^?]*\?.*(?:subject|body)=", re.IGNORECASE)
# Link text that announces a file or dataset even when the URL does not say so.
DOCUMENT_LINK_TEXT = re.compile(
    r"\b(?:download|dataset|data set|datasets|spreadsheet|pdf|csv|xlsx?|docx?|odt|ods|zip|"
    r"json|api|full report|report \(|annual report|attachment|\d+(?:\.\d+)?\s*(?:kb|mb|gb))\b",
    re.IGNORECASE,
)
# Embedded things (iframe, embed, object, video, audio, and the social posts marked by the
# classes below): what the source says each one is.
EMBED_KINDS = (
    (
        "video",
        re.compile(
            r"youtube|youtu\.be|vimeo|dailymotion|jwplayer|brightcove|wistia|"
            r"\.mp4|\.webm|<video>",
            re.I,
        ),
    ),
    (
        "post",
        re.compile(
            r"twitter|x\.com|instagram|tiktok|facebook|bsky|mastodon|reddit|"
            r"threads\.net|linkedin",
            re.I,
        ),
    ),
    (
        "document",
        re.compile(
            r"\.pdf|docs\.google|scribd|documentcloud|issuu|slideshare|"
            r"view(?:er)?\b|office\.com|onedrive",
            re.I,
        ),
    ),
    ("map", re.compile(r"maps\.google|google\.com/maps|openstreetmap|mapbox|arcgis", re.I)),
    ("chart", re.compile(r"flourish|datawrapper|infogram|tableau|public\.tableau|plotly", re.I)),
    ("audio", re.compile(r"soundcloud|spotify|podcast|\.mp3|<audio>", re.I)),
)
SOCIAL_EMBED_CLASSES = _words(
    "twitter-tweet instagram-media tiktok-embed bluesky-embed mastodon-embed",
    "reddit-embed-bq threads-post text-post-media fb-post fb-video flourish-embed",
    "infogram-embed datawrapper-embed",
)
# A social class makes an embed only on the two tags ``embed_source`` reads it on: asking for
# those tags first spares testing thirteen class words on every other element.
SOCIAL_EMBED_TAGS = ("blockquote", "div")
# Article mode's one query for a body's links, images and embeds: a social post's blockquote
# is told by its class in Python (the class list in a selector costs as much as the rest).
MEDIA_QUERY = (
    "a[href], img, iframe, embed, object[data], video, audio, blockquote[class], "
    f"div:is({', '.join(f'.{name}' for name in sorted(SOCIAL_EMBED_CLASSES))})"
)
SOCIAL_EMBED_ATTRIBUTES = ("cite", "data-href", "data-instgrm-permalink", "data-src", "data-url")
# Frames that are plumbing, not content: ads, trackers, consent and comment widgets.
# Recommendation players (connatix, primis, anyclip ...) show a different video on every load.
IGNORED_EMBED = re.compile(
    r"doubleclick|googlesyndication|googletagmanager|adservice|amazon-adsystem|adnxs|criteo|"
    r"pubmatic|rubiconproject|moatads|safeframe|teads|sharethrough|outbrain|taboola|"
    r"connatix|primis|anyclip|aniview|vidazoo|ex\.co/|minute\.ly|/ads?/|[/.]ads?\.|"
    r"facebook\.com/plugins/like|recaptcha|consent|cookie|disqus|about:blank|^$",
    re.IGNORECASE,
)
# An image inside a link to another page is a teaser (a card for another story, which rotates);
# one linked to a picture (a lightbox) or a document (a cover) is content.
IMAGE_LINK_TARGET = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg|tiff?)(?:$|\?)", re.IGNORECASE)
TEASER_LINK_REACH = 4  # how far above an image its wrapping link is looked for
