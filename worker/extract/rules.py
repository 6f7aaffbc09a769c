"""The extractor's data: selectors, tag sets, hint words, chrome-line patterns and thresholds.

Named constants rather than ``if`` chains, so a rule can be read, measured on the dev set and
changed in one place (trafilatura keeps its XPath expressions the same way).
"""

from __future__ import annotations

import re


def _words(*groups: str) -> tuple[str, ...]:
    """Word lists written as space-separated text, so the data reads like data."""
    return tuple(word for group in groups for word in group.split())


# --- metadata signals -------------------------------------------------------------------------
ARTICLE_TYPES = frozenset(
    _words(
        "NewsArticle Article ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle",
        "BlogPosting TechArticle Report LiveBlogPosting",
    )
)
HEAD_QUERY = 'meta[content], link[rel="canonical"], title, script[type="application/ld+json"]'
META_HEADLINE = ("og:title", "twitter:title", "citation_title", "parsely-title")
META_SUBHEADLINE = ("og:description", "twitter:description", "description")
META_BYLINE = ("author", "article:author", "parsely-author", "citation_author", "byl", "dc.creator")
META_PUBLISHED = (
    "article:published_time",
    "citation_publication_date",
    "parsely-pub-date",
    "datepublished",
    "pubdate",
    "dc.date",
)
META_MODIFIED = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")
META_LANGUAGE = ("og:locale", "language", "content-language")
META_SITE_NAME = ("og:site_name", "application-name")
# Class names that hide an element (whole names; ``hidden-xs`` only hides it on phones).
HIDDEN_CLASSES = frozenset(
    _words(
        "hidden hide d-none is-hidden visually-hidden sr-only screen-reader-text invisible",
        "visuallyhidden element-invisible element-hidden offscreen u-hidden",
        # not hidden but declared not content, for search robots (Yahoo's ``robots-nocontent``,
        # set by WordPress Jetpack on its slideshow's "This slideshow requires JavaScript."
        # fallback, its share row and its related posts). Not a bare ``noContent``: apps name
        # an empty state that way, and a hidden parent sends all its paragraphs to the fields.
        "robots-nocontent",
    )
)
# A photo's caption as newsrooms name it in other languages and in US print (a "cutline"):
# ``p.didascalia``, ``div.legenda``, ``span.pie-foto``, ``p.bildunterschrift``, ``p.legende``.
CAPTION_WORDS = _words(
    "cutline cutlines didascalia legenda legende leyenda bildunterschrift bildtext",
    "pie-foto pie-de-foto piefoto fotoleyenda",
)
# Where the page itself shows the standfirst, the byline and captions: class words on a
# paragraph or on its parent (``<div class="standfirst"><p>...``), checked in Python on nodes the
# one document query returns anyway, because attribute-substring selectors are the slowest kind.
DOM_META_WORDS = re.compile(
    r"(?P<caption>wp-caption-text|(?<![a-z])caption"  # not ``[&_figcaption]:mt-xs``
    r"|(?<![a-z])(?:" + "|".join(CAPTION_WORDS) + r")(?![a-z]))"
    r"|(?P<subheadline>standfirst|subhead|subtitle|(?<![a-z])dek(?![a-z]))"
    r"|(?P<byline>byline|author-name|author-info|article-author|post-author|entry-author)"
    # a whole class token, as ``classes.has_hidden_class`` reads it (Tailwind's ``md:hidden``
    # hides only on wide screens, as ``hidden-xs`` only on phones)
    r"|(?P<hidden>(?<!\S)(?:"
    + "|".join(re.escape(name) for name in sorted(HIDDEN_CLASSES))
    + r")(?!\S))"
    r"|(?P<dateline>dateline|timestamp|publish-date|pub-date|post-date|entry-date|article-date"
    r"|posted-on|entry-meta|post-meta|article-meta|reading-time|read-time)"
)
# Every word DOM_META_WORDS can match holds one of these stems: class strings without any (nine
# in ten) are answered by this one plain search instead of the five-role pattern's lookarounds.
DOM_META_STEMS = _words(
    "caption standfirst subhead subtitle dek byline author hid d-none sr-only screen-reader",
    "cutline didascalia legend leyenda bildunterschrift bildtext piefoto pie-",
    "invisible offscreen nocontent dateline timestamp -date posted-on -meta -time",
)
# Their short paragraphs never enter the body (``<div class="photo"><img><p class="caption">``
# is in the captions field; in the body it would sit between two sentences).
FIELD_ROLES = frozenset(_words("byline dateline caption"))
# The DOM's byline: elements whose class words name a byline or an author (``span.byline``,
# Brightspot's camelCase ``ArticlePage-authorName``, ``post-meta-author``), author links and
# ``itemprop=author``; and meta lines (``p.artikel-meta``, Drupal's ``div.node__meta``) that
# open with a byline prefix. Read only when the metadata names no author.
# ``firma``: the signature, as Spanish and Italian newsrooms name it (``div.articulo-firma``)
BYLINE_HINTS = _words("byline by-line author authors autor autore auteur firma")
BYLINE_LINE_HINTS = _words("meta")  # lines that hold the byline only after a prefix
# One substring selector per hint no other hint holds (``author`` finds ``authors``).
_BYLINE_STEMS = [
    hint
    for hint in (*BYLINE_HINTS, *BYLINE_LINE_HINTS)
    if not any(other != hint and other in hint for other in BYLINE_HINTS)
]
BYLINE_QUERY = ", ".join(
    [*(f'[class*="{stem}" i]' for stem in _BYLINE_STEMS), '[rel="author"]', '[itemprop="author"]']
)
BYLINE_LEVELS = 4  # how far above the headline the byline's area starts
MAX_BYLINE_CHARS = 80  # a longer "name" is a sentence or a biography
MAX_BYLINE_WORDS = 10
MAX_H1 = 5  # visible <h1>s considered (after those in chrome: menus, overlays)
# Headings that name themselves the article's title (a Blogger ``h3.post-title``): the visible
# headline when no <h1> is backed by the metadata. Matched on whole class tokens.
TITLE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:(?:entry|post|article|story|news|content)[-_]?(?:title|headline)|headline)"
    r"(?:$|\s)",
    re.IGNORECASE,
)
TITLE_HEADING_TAGS = frozenset(_words("h2 h3"))
# Share of words a metadata title must share with an <h1> for the <h1> to count as backed by it
# (``Calculators in 2025`` on the page, ``Calculators 2025 | Site`` in og:title).
MIN_TITLE_OVERLAP = 0.6
# Elements inside a heading that the page lays out as lines of their own: their words are kept
# apart (``<span class="title">...not.</span><div>Defining...``) instead of glued together.
HEADING_BREAK_TAGS = frozenset(_words("div p br h1 h2 h3 h4 h5 h6 li ul ol section header"))
NESTED_HEADING_TAGS = frozenset(_words("h2 h3 h4 h5 h6"))  # inside a heading: its standfirst
HEADING_SKIP_TAGS = frozenset(_words("script style noscript template svg -comment"))
# A label set before the headline itself, as arXiv does (``<span>Title:</span>Attention...``).
HEADLINE_LABEL = re.compile(r"^(?:title|headline)\s*:\s*", re.IGNORECASE)
MAX_HEADLINE_CHARS = 180  # an <h1> longer than this is a teaser paragraph set large
# Second-level labels under which a country's registrable domains sit (``bbc.co.uk``), so the
# site's own label is the one before them.
SECOND_LEVEL_LABELS = frozenset(_words("co com org net ac gov edu ne or go gv nic ltd plc"))
MIN_TITLE_CHARS = 8
UNSPACED_SCRIPTS_FROM = "\u2e80"  # CJK and later: titles without spaces between words
TITLE_SEPARATORS = re.compile(r"(\s+[|\-–—•·:]{1,2}\s+)")
SITE_PREFIX_END = re.compile(r"(?:\s+[|\-–—•·]{1,2}|\s*:)\s+$")  # ``Site: Story``, ``Site | Story``

# --- what is never read: scripts, styles, hidden subtrees (see ``prune``) -----------------------
UNREAD_TAGS = frozenset(_words("script style noscript template rt rp"))  # rt: ruby readings
# Class selectors double the query's cost, so hidden classes are read where class words are read
# anyway: as chrome by ``score``/``headline`` and as a role of paragraphs by ``signals``.
# Styles are found by the words HIDDEN_STYLE and BLOCK_STYLE need: "display" (``display:none``,
# ``display:block``) and "hidden" (``visibility:hidden``); each attribute test is one more pass
# over every element's attributes, so no "none" term (every hiding "none" follows "display").
PRUNE_QUERY = (
    'script:not([type="application/ld+json"]), style, noscript, template, rt, rp, [hidden], '
    '[aria-hidden="true"], [style*="display" i], [style*="hidden" i]'
)
HIDDEN_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)
# The same matched with case, for a lower-cased ASCII style (the pattern is written in lower
# case): the engine then jumps to each "d" or "v" instead of folding case at every position
# (three times faster on the styles the prune query finds).
HIDDEN_STYLE_LOWER = re.compile(HIDDEN_STYLE.pattern)
# An inline element the page lays out as a line of its own (``<span style="display:block">``):
# a space goes on either side, so its words are not glued to the text around it (CJK and Latin
# run together otherwise). Not ``inline-block``/``inline-flex``: those stay inside the line.
# Only inline elements need it: the walk and heading reader part block elements already, and a
# ``div style="display:flex"`` around a whole page would be read to its end for nothing.
INLINE_TAGS = frozenset(_words("span a em strong b i u font small label time cite abbr q sub sup"))
BLOCK_STYLE = re.compile(
    r"(?<![\w-])display\s*:\s*(?:block|flex|grid|list-item|table)(?![\w-])", re.IGNORECASE
)
HIDDEN_EXEMPT_ID = re.compile(r"S:[0-9a-z]+$")  # React streaming: ``<div hidden id="S:7">``
HIDDEN_KEEP_CHARS = 200  # hidden subtrees this large are marked (HIDDEN_MARK), not removed
HIDDEN_MARK = "hidden"  # one of HIDDEN_CLASSES: the scoring and the walk read it as chrome

# --- main-content detection -------------------------------------------------------------------
# Paragraph-like elements whose text credits their ancestors; the fallback serves pages that set
# their text in bare <div>s and lists (menus would out-vote articles if lists always counted).
# Links only inside paragraphs: they are what makes a paragraph link-dense, and the page's many
# navigation links would otherwise all cross into Python.
# Caption boxes that are not <figcaption>: a <div>/<span> whose class is one of these whole
# tokens and that sits beside an image (``<div class="img-wrap"><img><div class="caption">``).
CAPTION_BOX_CLASSES = (
    "caption", "wp-caption-text", "image-caption", "img-caption", "photo-caption",
    "media-caption", "figure-caption", "caption-text",
)  # fmt: skip
# Every name above holds the word "caption": one substring selector per tag finds them all (16
# whole-token selectors cost the document query 40 %), and ``signals`` keeps the whole tokens.
CAPTION_BOX_STEM = "caption"
CAPTION_BOX_QUERY = ", ".join(f'{tag}[class*="{CAPTION_BOX_STEM}"]' for tag in ("div", "span"))
CONTENT_QUERY = (
    'p, pre, blockquote, p a, h1, h2, h3, time[datetime], figcaption, br, [itemprop="author"], '
    + CAPTION_BOX_QUERY
)
AUTHOR_LEVELS = 3  # how far above an author link or itemprop=author its byline paragraph is
# A schema.org Person given as the author (``itemprop="author" itemscope``) that holds its own
# ``itemprop="description"`` is the author's biography box, whatever its classes are named
# (author-box plugins and themes write it so): it is given this class, a strong chrome hint.
AUTHOR_BIO_QUERY = '[itemprop="description"]'
AUTHOR_BIO_MARK = "author-bio"
PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote"})
SCAN_QUERY = f"{HEAD_QUERY}, {CONTENT_QUERY}"
# ``font``: 2000s table layouts set a whole article as bare text between ``<br>``s in one
# ``<font face=... size=2>`` inside a cell, with no ``<p>`` on the page.
FALLBACK_CONTENT_QUERY = "div, li, td, span, font"
FALLBACK_TAGS = frozenset(FALLBACK_CONTENT_QUERY.replace(",", " ").split())
FALLBACK_BELOW_CHARS = 2000  # so few characters in paragraphs: look at bare text containers too
BARE_TEXT_CHARS = 200  # ...or this much bare text (between <br>s) sits beside the headline
MIN_PARAGRAPH_CHARS = 40
# CJK ideographs, kana and Hangul carry about two Latin characters' worth of text each: scoring
# counts them this many times (see ``score.reading_size``).
WIDE_CHAR_WEIGHT = 2
WIDE_CHARS_FROM = "\u2e80"  # the first of them: a text whose largest character is below has none
WIDE_CHARS = re.compile(f"[{WIDE_CHARS_FROM}-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
MAX_PARAGRAPH_LINK_DENSITY = 0.5  # while scoring containers
MAX_BLOCK_LINK_DENSITY = 0.6  # while emitting blocks from the winner
LINK_ANCESTOR_LEVELS = 3  # ``p > em > a``: how far up a link's text counts against a paragraph
CLEAN_SHARE = 0.2  # hint-free paragraphs must keep this share of the text to be trusted alone
CLEAN_CHARS = 150  # ...or this much text: a short post under a long comment thread
# A hidden-class block (``div.hide``) is a copy only when the shown text holds this share of it
# (a copy's original is as long): else it is the article, and counts (see ``score._unveiled``).
VISIBLE_COPY_SHARE = 0.5
# The text around the visible headline, in a branch apart from the winner's, wins when it holds
# this many characters and this share of the winner's (a short post beside a long thread).
ANCHOR_LEVELS = 3  # "around the headline": the text's container is at most this far up
ANCHOR_MIN_CHARS = 250
ANCHOR_SHARE = 0.2
WINNER_SHARE = 0.62  # the winner holds at least this share of all good paragraph text
# A comment thread without a hint beside the headline's text in the winner: this many items of
# one tag and class hold its text, each a reader's comment (THREAD_CONTROL and below), none with
# a section heading (a listicle's are).
THREAD_MIN_ITEMS = 3
THREAD_NOT_ITEM = "h2, h3"
# A container that names itself the article body wins with a smaller share of the text.
POSITIVE_SHARE = 0.5
POSITIVE_HINTS = re.compile(
    r"article-?body|article__body|article-content|entry-content|post-content|post-body|"
    r"story-body|story-content|content-body|blog-post-content|articlebody|main-content"
)
POSITIVE_TAGS = frozenset({"article"})
# A hinted subtree is kept anyway when it holds real paragraph text: this share of the winner's,
# or this many characters (page builders put "share" or "meta" in content wrappers).
CAPTION_REACH = 2  # captions count up to this many levels above the body (lead images)
KEEP_SHARE = 0.25
KEEP_CHARS = 600
# Elements that start a block when found inside a list item, a cell or an inline wrapper.
NESTED_BLOCK_TAGS = frozenset(
    _words("p div ul ol table section article blockquote figure h2 h3 h4")
)
LEAF_BLOCK_TAGS = frozenset(_words("p h1 h2 h3 h4 h5 h6 pre"))  # never hold blocks worth splitting
WRAPPER_INLINE_TAGS = frozenset(_words("span font label"))  # page builders wrap blocks in these
MAX_LINK_CHECK_CHARS = 300
# What marks an element as chrome. Measured on the dev set: paragraphs under these ancestors are
# almost never article text, so they do not vote for the main container.
BOILERPLATE_TAGS = frozenset(
    _words(
        "nav aside footer form menu dialog",
        "marquee",  # the scrolling breaking-news ticker of 2000s and 2010s news sites
        "amp-sidebar amp-consent amp-user-notification amp-ad amp-embed amp-sticky-ad",  # AMP
    )
)
WALK_BOILERPLATE_TAGS = BOILERPLATE_TAGS | {"header"}  # an article's <header> repeats its title
PAGE_TAGS = frozenset(_words("html body"))
CHUNK_HEADINGS = "h1, h2, h3"  # a chunk opening with a linked one of these is another post
# Class names of the article's lead paragraphs set in a container of their own just before the
# body's (``div.article-lead`` + ``div.article-body``): the body's first chunk, not a standfirst
# (those are named ``standfirst``/``dek``/``subhead`` and are a field).
LEAD_CLASSES = frozenset(
    _words(
        "lede leadin lead-in lead-text intro-text leadtext article-lead article-intro",
        "story-lead story-intro post-intro entry-intro article__lead article__intro",
    )
)
# (Not the bare ``lead`` or ``intro``: a ``div.lead`` often holds the lead photo, or a series'
# blurb.) A container holding one of these is the lead photo's, never the lead paragraph's.
LEAD_MEDIA = "img, picture, figure, video"
# Attributes that name a component the way a class would (``data-component="most-read"``,
# schema.org's ``itemprop="comment"``): page frameworks (Arc, React sites) mark their widgets
# there and leave classes generated.
HINT_ATTRIBUTES = frozenset(
    _words("data-component data-module data-testid data-widget data-type itemprop")
)
HEADING_TAGS = frozenset(_words("h1 h2 h3 h4 h5 h6"))
# A heading's id is its anchor, made from its text by the CMS or a table-of-contents plugin
# (``<h2 id="1-clinical-decision-support">``): never read as a hint, as its classes are.
ANCHOR_ID_TAGS = HEADING_TAGS
BOILERPLATE_ROLES = frozenset(_words("navigation complementary banner contentinfo search dialog"))
# Class tokens that state a property rather than a role (``has-comments``, ``tag-related``,
# ``modal-enabled``, ``comments-open``): never read as a chrome hint.
STATE_PREFIXES = frozenset(
    _words("has is no not with without can tag category categories cat term tax format subscriber")
)
# Inside a token they start a statement about the element: ``story-body--no-comments``,
# ``post-with-related-links`` (camelCase ``postWithRelatedLinks``) name a body and a post.
STATE_INFIXES = frozenset(_words("has is with without no not"))
STATE_SUFFIXES = frozenset(
    _words(
        "enabled disabled allowed open opened closed active inactive on off ready loaded count",
        "only",  # ``article--subscriber-only``, ``mobile-only``: who sees it, not what it is
        # a part of the element that is hidden: Drupal's ``field--label-hidden`` (on nearly every
        # field of a Drupal 7/8 body, the body's own included: the field's label is hidden)
        "label-hidden title-hidden",
    )
)
STRONG_HINTS = _words(
    "comment related popup modal signup sign-up subscribe subscription author-bio authorbio",
    "kommentar commentaire comentario commenti reacties reaction",  # French ``réactions``
    "obsuzhdenie otzyv",  # Russian in Latin letters: discussion, reviews
    # comments in Finnish (kommentit), Catalan/Romanian (comentaris, comentarii), Czech and
    # Swedish discussions, Hungarian (hozzaszolasok), Chinese and Vietnamese in Latin letters
    "komment comentari diskuse diskuze diskussion hozzaszolas pinglun binhluan binh-luan",
    "komentar yorum",  # Indonesian, Malay, Polish (komentarze), Czech, Croatian; Turkish
    # "related" in the languages news pages are most often written in
    "relacionad artikel-empfehlung lire-aussi a-lire correlati",
    "terkait ilgili gerelateerd",  # Indonesian (berita-terkait), Turkish, Dutch
    "author-box breadcrumb disqus yarpp jp-relatedposts",
    "saboxplugin",  # WordPress's Simple Author Box (``div.saboxplugin-wrap``): the author's bio
    # the author's biography under a post (longer than a short post, so it won)
    "about-author about-the-author author-description author-info author-details author-about",
    "sobre-el-autor sobre-autor autor-info a-propos-auteur ueber-den-autor uber-den-autor",
    # cookie and consent dialogs (long legal paragraphs that outweigh a short article)
    "consent gdpr cookie-banner cookie-notice cookie-consent cookie-law cookielaw onetrust",
    "didomi qc-cmp cmp-container",
)
# Strong hints that must be whole words ("respond" would otherwise start "responsive").
STRONG_TOKENS = _words(
    "respond replies discussion discussions talkback",
    "opiniones respuestas responder reponses repondre antworten",
)
# Inside the winning container, weaker words also mark chrome (a share bar, an ad slot), but only
# for subtrees that hold little paragraph text. Substrings for distinctive words, whole tokens for
# short ones that would otherwise match inside innocent words ("ad" in "header").
WEAK_HINTS = _words(
    "share sharing social promo newsletter sidebar cookie advert sponsor recommend readmore",
    "read-more paywall byline tags toc table-of-contents author restricted",
    # galleries and media chrome: slide counters, caption toggles, credits
    "gallery slideshow lightbox caption credit",
    *CAPTION_WORDS,
    # a pull quote repeats a line of the article in large type beside it (kept when its quote
    # is found nowhere else in the article: see PULL_QUOTE_WORDS)
    "pullquote pull-quote pull_quote pullout",
    # Joomla's article details box (``dl.article-info``: "Details", "Category:", "Hits: 1234")
    "article-info",
    # widgets set inside the article: tickers, most-read lists, reader appeals, staff lists
    "ticker breaking marquee most-read mostread most-popular mostpopular popular trending",
    "most-viewed appeal donate donation contribute membership support-us staff masthead",
    "ranking support",  # ``p-ranking`` (a most-read list), ``support-module`` (an appeal)
    "outbrain taboola",
    # jQuery-era gallery and slider plugins
    "slick owl-carousel swiper fotorama flexslider royal-slider galleria bxslider lightgallery",
    "diaporama galerie galeria bildergalerie fotostrecke fotogaleria",
    # the same widgets named in the languages news pages are most often written in
    "ultima-hora mas-visto mas-leido mas-vistos mas-leidos boletin suscripcion apoyo",
    "meistgelesen eilmeldung les-plus-lus plus-lus en-continu abonnement soutenir",
    "piu-letti mais-lidas redaccion",
    "meest-gelezen meestgelezen nieuwsbrief mest-lasta mest-lest najpopularniejsze",
    "najczesciej-czytane terpopuler en-cok-okunan",
    "teilen werbung anzeige partage publicite publicidad compartir condividi verwandt",
)
WEAK_TOKENS = _words(
    "ad ads nav menu footer header meta more banner print hidden date latest cta",
    # code blocks' line-number gutters, and diagram sources shown as pictures (Mermaid)
    "linenos lineno linenodiv gutter line-numbers mermaid plantuml",
)
BLOCK_TAGS = frozenset(_words("p h1 h2 h3 h4 h5 h6 li blockquote pre dt dd td th"))
TABLE_CELL_TAGS = frozenset(_words("td th"))
INLINE_TAGS = frozenset(
    _words(
        "a abbr b bdi bdo cite code del dfn em font i ins kbd mark q s samp small span",
        "strong sub sup time u var label",
    )
)
SKIP_IN_BODY = frozenset(
    _words(
        "script style noscript template svg iframe button select input textarea figure",
        "picture img video audio canvas object h1 -comment",
    )
)
# Whole paragraphs that are site chrome, not article text: calls to action, widget titles and
# link labels. Each pattern must match the entire paragraph, so article sentences that merely
# contain these words are kept.
# The articles before a widget title ("Die meistgelesenen Artikel", "I più letti", "As mais
# lidas"): the title pattern's optional first word, and so first words of chrome lines too.
WIDGET_ARTICLES = _words("die lo los las les i as os")
# "3 of 12" in the languages of gallery counters (one list for both counter patterns below)
_SLIDE_OF = "of|von|de|sur|di|van|z|из"
# What may follow a label on its line: a few words (``Spread the love``, ``Apoya el periodismo
# local``), or a list of short tags (``Tagged under Politics, Budget``); never a clause after a
# comma ("Spread the love, the pastor told the congregation.") nor a sentence's full stop.
_LABEL_WORDS = r"(?: [^\s,;.!?]++){0,4}"
_TAG_LIST = (
    r"(?!.*[.!?]$)(?::?\s*+[^\s,;!?]++(?: [^\s,;!?]++){0,3}"
    r"(?:\s*+[,|/·]\s*+[^\s,;!?]++(?: [^\s,;!?]++){0,2})*+)?"
)
BOILERPLATE_LINE_PATTERNS = (
    r"advertisement",
    r"read (?:more|next)\b.*",
    r"related(?: coverage| articles| posts| stories| reading| blog posts)?:?",
    r"(?:popular|recent|latest|trending) (?:posts|articles|stories)",
    r"share(?: this| on)?(?: article| story| post)?(?: on)?(?: with your friends)?:?",
    r"share your story",
    r"like this:|(?:like )?loading(?:…|\.\.\.)",  # WordPress Jetpack's like button
    r"(?:sign up|subscribe|join)\b.{0,60}",
    r"(?:get|receive) (?:more|the latest|our)\b.{0,50}",
    r"follow\b.{0,40}",
    r"stay connected.{0,30}",
    r"(?:click|tap) here to .*",
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in).*",
    # the prompt and what a form puts after it ("Leave a Reply Cancel reply"), not a sentence
    # ("Add a comment to the survey before Friday, the council said")
    r"(?:leave|post|add) a (?:comment|reply|star rating)\b.{0,30}",
    r"be the first to comment.*",
    r"what do you think\??",
    r"(?:contact us|get in touch)\b.{0,60}",
    r"(?:log ?in|sign in|home|privacy policy|terms of (?:use|service)|in partnership with)",
    r"(?:book|shop|buy|order) now!?",
    r"(?:see|view|check) (?:price|packages|deal|on amazon)\b.{0,30}",
    r"about the author:?",
    r"(?:article )?tags:?",
    r"pin (?:it )?for later!?",
    r"jump to (?:the )?(?:list|recipe|section).*",
    r"(?:written|reviewed|edited|fact[- ]checked|medically reviewed) by\b.{0,60}",
    r"(?:featured?|header|cover) image (?:by|via|credit)\b.*",
    # a date stamp starts with its date ("Updated March 5, 2018", "Posted on: 05/03/2018"), not
    # with a word a sentence goes on with ("Published in 1998, the novel ...")
    r"(?:last )?(?:updated|published|posted)(?: on| at)?:? (?=\d|(?:jan|feb|mar|apr|may|jun|jul"
    r"|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b).{0,30}\d{4}\b.{0,40}",
    # a WordPress theme's entry footer: its category and tag lists, its comment link
    r"posted in:? [^|]{1,80}\|\s*(?:tagged|leave a comment|\d+ comments?)\b.{0,150}",
    # the comment form inside the article
    r"you must be (?:logged in|registered) to post a comment",
    r"your email address will not be published\.?(?: required fields are marked \*?)?",
    # embed and slideshow fallbacks set as text: Getty's embed label, Jetpack's slideshow
    r"embed from getty images",
    r"this slideshow requires javascript",
    # gallery and video chrome: slide counters, caption toggles, player labels, credits
    r"(?:(?:image|photo|picture|slide|foto|bild|imagen|immagine)\s+)?"
    rf"\d{{1,3}}\s*(?:{_SLIDE_OF}|/)\s*\d{{1,3}}",
    r"(?:…|\.\.\.)?\s*(?:(?:show |read |see )?(?:more|less)(?:\s*/\s*(?:more|less))?)",
    r"(?:caption\s+)?(?:close|open|hide|show|toggle)(?:\s+caption)?",
    r"(?:enlarge|expand|zoom) (?:this )?(?:image|photo|picture)",
    r"(?:view|open|launch|see) (?:the )?(?:gallery|slideshow|full ?screen|all photos)\b.{0,20}",
    r"(?:play|watch|replay) (?:the )?video\b.{0,30}",
    r"(?:photo(?:graph)?|image|picture|foto|fotó|kuva|bild|imagen|imagem|immagine|zdj[eę]cie)s?"
    r"\s?:\s.{0,80}",
    # the same gallery chrome in the other languages news pages are most often written in
    r"(?:agrandir|fermer|ampliar|cerrar|schließen|vergrößern|chiudi|ingrandisci|expand|"
    r"collapse|full ?screen|plein écran|pantalla completa|vollbild)",
    r"(?:voir|afficher|lire|ver|mostrar|leer) (?:plus|moins|más|menos)"
    r"(?:\s*/\s*(?:plus|moins|más|menos))?|(?:mehr|weniger)(?: anzeigen)?(?:\s*/\s*weniger)?",
    r"(?:crédits?|credits?|créditos?)(?: (?:photos?|fotos?|images?))?\s?:.{0,80}",
    r"(?:diaporama|galerie|galería|galeria|bildergalerie|fotostrecke|slideshow|gallery)"
    r"\s?:.{0,100}",
    r"(?:most (?:read|popular|viewed|shared|emailed|commented)|trending(?: now)?|"
    r"breaking(?: news)?|top stories|editor'?s picks)\b.{0,20}",
    # wire-story and newsroom furniture
    r"(?:the )?(?:story|article) continues (?:below|after)\b.{0,30}",
    r"continue reading(?: the (?:main )?story| below| after the (?:advertisement|ad))?\s*[→»›>]*",
    r"(?:scroll|keep reading) (?:down )?to (?:continue|read)\b.{0,30}",
    r"(?:image|media|video) (?:copyright|caption|source)\b.{0,150}",
    r"media playback is unsupported on your device",
    r"(?:photo(?:graph)?:?\s*)?"
    r"(?:getty(?: images)?|afp|epa|reuters|ap(?: photo)?|pa(?: wire| images)?|shutterstock|"
    r"istock(?:photo)?)(?:\s*(?:/|via)\s*.{0,40})?\)?",  # ``(Getty Images)``, a bare ``AP``
    r"(?:filed under|posted in|tagged(?: with)?|topics?|categor(?:y|ies)|kategorie|etiquetas|"
    r"temas|categorías|"
    r"schlagw(?:ö|oe)rter|schlagworte|themen|kategorien|mots[- ]cl(?:é|e)s|étiquettes|sujets|"
    r"catégories|argomenti|categorie|tags?|trefwoorden|ämnen|emneord|tópicos|assuntos|"
    r"palavras-chave|parole chiave|tagi|słowa kluczowe|etiketler|anahtar kelimeler)\s*:.{0,150}",
    r"(?:copyright|©|\(c\))\s*(?:\d{4}\b)?.{0,80}\ball rights reserved\b.{0,40}",
    r"this material may not be published, broadcast, rewritten,? or redistributed\.?",
    # embedded posts, sponsored slots and recommendation rails
    r"(?:https?://|pic\.twitter\.com/|www\.)\S+",
    r"[—–-]\s*[^()]{1,60}\(@\w{1,30}\)\s*.{0,40}",
    r"(?:sponsored(?: content| stories| links)?|paid (?:content|post)|promoted(?: content)?|"
    r"partner content|around the web)",
    r"more (?:on|about) this (?:story|topic)|more from\b.{0,40}|recommended(?: for you| stories)?",
    r"\((?:photo|image|picture|video)s? (?:by|courtesy of|credit:?)\b[^)]{0,80}\)",
    r"our standards:.{0,80}",
    # more newsroom furniture of the 2010s: NYT's "Supported by", player and print buttons,
    # promo labels before a linked headline, agency notes, cookie notices
    r"supported by|tweet|image|photo|file photo|(?:print|email|e-mail) this (?:page|article|story)",
    r"report (?:an error|a typo|a correction)|comments are closed|listen to (?:this|the) "
    r"(?:article|story)|read this next|zur startseite|(?:diesen )?artikel (?:teilen|drucken)",
    r"click to (?:share|email|print)\b.{0,60}",
    r"this entry was posted in\b.{0,150}",
    r"(?:related|watch|see also|also read)\s?:.{0,120}",  # not "Video: 4K/30p" in a spec list
    r"(?:©|\(c\))\s*\S.{0,100}",
    r"copyright\s*(?:©|\(c\))?\s*(?:19|20)\d\d\b.{0,80}",  # ``Copyright © 2018 Daily Courier``
    # an agency named as the source, a newsroom signing as a whole, a Blogger post's footer
    r"(?:fuente|quelle|source|fonte|źródło|bron)\s?:\s?(?:afp|ap|reuters|dpa|efe|ansa|apa|sda|"
    r"belga|anp|kna|epd|europa press|pap|agencia \w+|agências?)\.?|\((?:afp|ap|dpa|efe|ansa)\)",
    r"(?:la )?redacci[oó]n|redazione|redaktion|r[ée]daction|reda[cç][aã]o|redakcja",
    r"posted by\b.{0,60}\bat \d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?",
    # embedded posts' signatures (Instagram, Facebook) and a gallery's "show all" button
    # only the signature's shape: a name, the (@handle), the date; never a sentence that says
    # who shared a video ("A video shared by the police on Twitter shows ...")
    r"(?:a )?(?:post|photo|video) shared by [^()@]{1,60}\(@[\w.]{1,30}\)(?: on [\w ,.:]{1,40})?"
    r"|view this (?:post|photo|video) on \w+",
    r"posted by\b.{0,60}\bon (?:\w+day,? )?\w+\.? \d{1,2},? \d{4}|show all \d{1,3}",
    r"share this with\b.{0,80}",
    # a video player's and a page's labels set as paragraphs
    r"now playing|up next|videos?|related content|topics|print|e-?mail|details",
    r"(?:hits|views|reads|aufrufe|zugriffe|visite|visitas|lecturas)\s?:?\s?[\d.,]+",  # counters
    # a 2018 gallery player's controls (Gannett, Brightcove), set as paragraphs
    r"autoplay|show (?:thumbnails|captions)|(?:last|previous|next) ?slide ?(?:next slide)?|"
    r"buy photo|read or share this story:.{0,120}|like us on (?:facebook|twitter|instagram)",
    # paywall labels: who may read on
    r"already (?:a )?(?:subscriber|member|registered)\b.{0,60}",
    r"(?:(?:cet )?article |ce contenu (?:est )?)?réservé aux abonnés\b.{0,60}",
    r"(?:jetzt )?weiterlesen mit\b.{0,40}",
    r"(?:contenido )?exclusivo para (?:suscriptores|socios)\b.{0,40}",
    # the reporters' and agencies' initials closing a German story (``ala/dpa``, ``mst/Reuters``)
    r"(?:[a-zäöü]{2,4}/)+(?:dpa|afp|ap|reuters|kna|epd|sid|apa|sda|ddp|efe)(?:/[a-z]{2,8}){0,3}",
    # the same chrome in the other languages news pages are most often written in
    r"(?:anzeige|werbung|publicit[ée]|publicidad|publicidade|pubblicit[àa]|reclame|advertentie|"
    r"reklama|reklam|advertising)",
    r"(?:advertisement|advertising)\s*[-–—:]?\s*(?:continue reading|story continues) below",
    # 2010s WordPress plugins' labels: share boxes, star ratings (Rate my Post, WP-PostRatings),
    # print buttons, comment and pager controls, recommendation rails
    rf"spread the (?:love|word){_LABEL_WORDS}|sharing is caring!?|(?:please )?share this "
    r"(?:article|post|story)!?|like it\? share with your friends!?|enjoy this (?:blog|post|article)"
    r"\?.{0,60}",
    r"click (?:on a star )?to rate (?:this|it)\b.{0,30}|rate this (?:article|post|story|recipe)!?|"
    r"how useful was this post\??|no votes so far!.{0,60}|we are sorry that this post was not "
    r"useful for you!?|let us improve this post!?|average rating [\d.,]+ ?/ ?\d+\.? vote count:? "
    r"\d+\.?|\[total: \d+ average: [\d.,]+\]",
    r"print friendly, pdf & email|font size|send (?:by|via) e-?mail|report (?:abuse|this "
    r"comment)|reply|cancel reply|hide comments|load more(?: comments| stories)?|more stories|"
    r"(?:read the )?full story|(?:promoted|sponsored) (?:stories|links)(?: by \w+)?|from the web|"
    r"ads by google",
    # Joomla K2's item toolbar, rating, tag, related, gallery and sharing blocks' labels
    r"font size decrease font size increase font size|font-size|rate this item"
    r"(?: [1-5](?: [1-5]){4})?(?: \(\d+ votes?\))?|\(\d+ votes?\)|"
    rf"tagged under{_TAG_LIST}|"
    r"related items|read [\d,.]+ times|social sharing|item image gallery|"
    r"submit to (?:facebook|twitter|linkedin|reddit|delicious|digg|"
    r"stumbleupon)|bookmark|email this|add (?:a )?comment|powered by \w+",
    # a share button or a page control set as a paragraph
    r"(?:share|tweet|post) (?:this )?(?:on|via|to) (?:facebook|twitter|x|linkedin|whatsapp|"
    r"pinterest|reddit|telegram|email|e-mail)|tweet this|next|previous|back to top",
    r"(?:lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|weitere artikel|"
    r"(?:à )?lire aussi|lire la suite|voir aussi|à voir aussi|lee (?:también|más)|leer más|"
    r"ver también|te puede interesar|leggi (?:anche|tutto)|potrebbe interessarti|"
    r"lees (?:ook|meer)|leia (?:também|mais)|veja também)\b.{0,100}",
    # these also open sentences ("Siehe auch die Stellungnahme des Ministeriums vom Montag."):
    # a label alone, or one set off by a colon, dash or arrow before the linked title
    r"(?:lea (?:también|además)|(?:vea|mira) también|le puede interesar|siehe auch|zie ook|"
    r"(?:prze)?czytaj (?:też|także|również|więcej)|zobacz (?:też|także|również)|baca juga|"
    r"sur le même sujet|noticias relacionadas|notizie correlate|notícias relacionadas|"
    r"ilgili haberler|související (?:články|zprávy)|xem thêm|related topics|"
    r"läs (?:också|mer)|les også|"
    r"læs (?:også|mere)|přečtěte si (?:také|též)|cite[sș]te [sș]i)"
    r"(?:\s*[:：|–—>→»›-].{0,100})?",
    # widget titles in the same languages (most read, latest news, newsletter, reader appeals),
    # left behind when the widget's links are dropped as link text
    rf"(?:(?:{'|'.join(WIDGET_ARTICLES)}) )?(?:meistgelesen(?:e|en)?(?: (?:artikel|nachrichten))?|"
    r"meistgeklickt|meistkommentiert|más (?:leído|visto|leídas|vistas)s?|plus (?:lus|partagés|"
    r"commentés|populaires)|più (?:letti|visti|condivisi)|mais (?:lidas|lidos|vistos|vistas)|"
    r"najczęściej (?:czytane|komentowane)|najnowsze|najpopularniejsze|meest (?:gelezen|bekeken)|"
    r"mest (?:lästa|lest|læste)|derni[èe]res (?:infos|nouvelles|actualités|actus)|"
    r"últimas (?:noticias|notícias)|ultime notizie|neueste (?:artikel|nachrichten)|"
    r"aktuelle nachrichten|top[- ]themen)"
    r"(?: (?:de la|da|der|del|della|di|de|des|dieser) (?:semana|semaine|woche|settimana|jour|"
    r"día|dia|tages|giorno|mois|mes|monats|mese))?",
    r"newsletters?|(?:abonnieren sie|abonnez-vous à|inscrivez-vous à|suscríbete a|"
    r"iscriviti alla|assine|"
    r"cadastre-se (?:na|em)|zapisz się do|meld je aan voor) (?:unseren?|notre|nuestro|nuestra|la|"
    r"a|nossa|naszego|onze|de) (?:newsletter|boletín|lettre d'information|newslettera)\b.{0,40}",
    r"(?:unterstützen sie|soutenez|apoya|apoye|sostieni|apoie|wesprzyj|steun) (?:den |unabhängigen "
    r"|unseren |notre |el |o |il |nasz |onafhankelijke |de )?(?:journalismus|rédaction|journalisme|"
    r"periodismo|giornalismo|jornalismo|dziennikarstwo|journalistiek|redaktion)"
    rf"(?:{_LABEL_WORDS}|\s*[:–—-]\s*.{{1,60}})",
    # "read on" after an ad or a teaser cut, in the same languages
    r"(?:sigue|seguir|continúa|continua) leyendo|(?:lesen sie )?weiter(?:lesen)?|"
    r"(?:la )?suite (?:de l'article|après (?:la )?(?:publicité|cette publicité))|"
    r"continua (?:a leggere|la lettura)|continue a ler|ver (?:galería|galeria|fotos|vídeo)",
    r"(?:teilen|partager|compartir|condividi|delen|compartilhar)"
    r"(?: (?:auf|sur|en|su|op|no) .{0,30})?",
    r"(?:comments?|kommentare?|commentaires?|comentarios?|commenti|reacties|comentários)"
    r"(?: \(?\d+\)?)?",
    r"(?:jetzt )?kommentieren|commenta(?:re)?|comente|comentar|(?:deja|escribe) (?:un|tu) "
    r"comentario\b.{0,40}|réagi(?:r|ssez)\b.{0,40}|laisser un commentaire\b.{0,40}",
    r"(?:newsletter abonnieren|jetzt abonnieren|abonnez-vous|suscríbete|iscriviti|abonneer)"
    r"\b.{0,60}",
    # an advertiser's call to action: an imperative that ends in "today" or "now"
    r"(?:get|create|start|begin|unlock|claim|grab|download|try|apply|book|open)\b.{0,80}"
    r"\b(?:today|now)\b[^\w]*",
    r"this (?:story|article|journalism|reporting) (?:is|was) "
    r"(?:funded|supported|made possible)\b.*",
)
# A gallery's slide counter set as a line of its own, without a word before its number (the
# patterns above need one): "1 of 12", "3 von 8". Not "5/5": a rating, in product reviews.
SLIDE_COUNTER = re.compile(rf"^\d{{1,3}} (?:{_SLIDE_OF}) \d{{1,3}}$")
BOILERPLATE_LINES = re.compile(
    "^[^\\w]*(?:" + "|".join(BOILERPLATE_LINE_PATTERNS) + r")[.!:]?$", re.IGNORECASE
)
# The same pattern matched with case: an ASCII line lower-cased matches it exactly when the line
# matches BOILERPLATE_LINES (the patterns are written in lower case), at twice the speed.
BOILERPLATE_LINES_LOWER = re.compile(BOILERPLATE_LINES.pattern)
# A credit on a line of its own, matched with case: a newsroom's capitalised name or a label,
# then the agency (``Le Monde avec AFP``, ``Text: with AFP``, ``Mit Material von dpa``), or a
# picture's source (``Image via Getty Images``, ``Photo via @cityhall``); never a sentence
# that ends with an agency ("We spoke with AP.", "Die Polizei sprach mit dpa.") or says what a
# picture showed ("Image via satellite showed the flood.").
CREDIT_AGENCIES = _words("afp ap reuters dpa efe ansa apa sda belga anp kna epd")
CREDIT_ENDS = tuple(f" {agency}" for agency in CREDIT_AGENCIES)  # cheap tests before the regex
CREDIT_FIRST_WORDS = frozenset(_words("image photo foto picture"))
_SOURCE_WORD = r"(?:[A-ZÀ-Þ@][^\s]*+|of|the|and|on|user|by|de|/|&)"
CREDIT_LINES = re.compile(
    r"^[^\w]*(?:(?:[A-ZÀ-Þ][\w'’.-]*+:?\s+){0,4}(?i:avec|with|mit|con)"
    r"(?i: (?:material|matériel|información|informaciones) (?:von|der|de|des|d'))?"
    rf" (?i:{'|'.join(CREDIT_AGENCIES)})"
    rf"|(?i:image|photo|foto|picture)s? via (?=[A-ZÀ-Þ@]){_SOURCE_WORD}(?: {_SOURCE_WORD}){{0,5}})"
    r"[.!:]?$"
)
# A byline set as a labelled line (Joomla's "Geschrieben von Karl Weber"): the label, then a
# name alone (capitalised words, so matched with case, never on the lower-cased line) and perhaps
# a date; never a sentence ("Escrito por Mario Vargas Llosa en 1963, el libro fue un éxito.").
WRITTEN_BY_STARTS = ("geschrieben von", "verfasst von", "escrito por", "scritto da", "écrit par")
WRITTEN_BY_LINES = re.compile(
    r"^[^\w]*(?i:geschrieben von|verfasst von|escrito por|scritto da|écrit par):?\s+"
    r"[A-ZÀ-Þ][\w.'’-]*(?:\s+(?:(?:de|da|di|del|della|la|las|los|le|van|von|der|y|e|und|et|&)\s+)"
    r"{0,2}[A-ZÀ-Þ][\w.'’-]*){0,5}(?:\s*[|·•,–—-]\s*[\d./: ]{1,20})?[.!:]?$"
)
# Class words of a pull quote: chrome only as a copy. A quote set in one and nowhere else in the
# article (the only place the mayor's words are printed) is article text.
PULL_QUOTE_WORDS = ("pullquote", "pull-quote", "pull_quote", "pullout")
# Page labels that the line rules drop as whole lines, yet that an article also uses as its own
# sub-heading (``<h3>Details</h3>`` over a paragraph): kept there. Not a player's "Up Next" or
# a "Comments" heading: over prose they head a teaser or a reader's comment (measured on dev).
BARE_LABELS = re.compile(
    r"^(?:videos?|topics|print|e-?mail|details)[.!:]?$",
    re.IGNORECASE,
)
SUBHEADING_TAGS = frozenset(_words("h2 h3 h4"))
MIN_PROSE_CHARS = 30  # the paragraph after such a heading is a sentence this long, not a label
PROSE_ENDS = tuple('.!?"”»')  # ...that ends as a sentence does (a teaser's title does not)
# Letters whose lower case is not what an ignore-case match compares them as: ``İ`` lowers to
# two characters; ``ı``, ``ſ``, ``µ``, Greek letters and a few others match other letters (see
# ``re``'s case equivalences). A line holding none may be lower-cased and matched with case.
CASE_SPECIAL = re.compile(
    "[\u0130\u0131\u017f\u00b5\u0345\u0370-\u03ff\u1e61\u1e9b\u1f00-\u1fff\ufb05\ufb06\u212a\u2126]"
)
# Lines that belong to other fields, never to the body: bylines, datelines, "Updated 5 minutes
# ago", "4 min read", share rows and counters. A line is dropped when it is entirely made of
# such items (``By Jane Doe | Updated 5 minutes ago | 4 min read``).
MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|"
    "juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|"
    "novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    "noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|"
    "dicembre|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    # Dutch and Swedish, Portuguese, Polish (genitive), Indonesian: the forms not listed above
    "januari|februari|maart|mei|augustus|augusti|janeiro|fevereiro|março|maio|junho|julho|"
    "setembro|outubro|novembro|dezembro|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|"
    "sierpnia|września|października|listopada|grudnia|maret|agustus|desember|"
    # Swedish, Danish and Polish May; Turkish
    "maj|ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık"
)
_DAY = (
    r"(?:(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi"
    r"|vendredi|samedi|dimanche|lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì"
    r"|martedì|mercoledì|giovedì|venerdì|sabato|domenica)\.?,?\s+)?"
)
# A time after a date: never the start of another date (``18.10.18 19.10.18``), and a time
# zone in capitals (``ET``, ``MEZ``), never the next item's first word (``14:22 Email Print``).
_TIME = (
    r"(?:,?\s*(?:(?:at|um|à|às|om|kl\.?|godz\.?|pukul|saat)\s+)?\d{1,2}[:.h]\d{2}(?![./]\d)"
    r"(?:\s*[ap]\.?m\.?)?(?:\s*(?:h|uhr|hrs?)\b)?(?:\s+(?-i:[A-Z]{2,5})\b)?)?"
)
_DAY_DATE = (
    rf"{_DAY}(?:(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:de\s+)?(?:{MONTHS})\.?,?\s+(?:de\s+)?\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}|\d{{4}}[./]\d{{1,2}}[./]\d{{1,2}}"
    rf"|\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日(?:\s*\d{{1,2}}[:時]\d{{2}}分?)?"
    # the time first, as Gannett's papers set it in 2018: ``6:02 p.m. ET Aug. 4, 2018``
    rf"|\d{{1,2}}:\d{{2}}\s*[ap]\.?m\.?(?:\s+[A-Z]{{2,5}})?\s+(?:{MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    r")"
)
_DATE = _DAY_DATE + _TIME
_UNITS = (
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|sekunden|minuten|"
    r"stunden|tagen|wochen|monaten|jahren|secondes?|heures?|jours?|semaines?|mois|ans?|segundos?|"
    r"minutos?|horas?|días?|dias?|semanas?|meses|años?|anos?)\b"  # whole: "minute" starts "minuten"
)
_RELATIVE = rf"(?:\d+|an?|one)\s+{_UNITS}\s+ago|(?:vor|il y a|hace|há)\s+\d+\s+{_UNITS}|just now"
_STAMP_WORDS = (
    r"(?:(?:last|first)\s+)?(?:updated|published|posted|modified|created|edited|aktualisiert|"
    r"veröffentlicht|mis à jour|publié|actualizado|publicado|aggiornato|pubblicato|"
    r"опубликовано|обновлено|입력|수정|최종\s*수정|更新|発行|配信|发布时间|发布|更新时间|"
    r"atualizado|gepubliceerd|bijgewerkt|aktualizacja|opublikowano|zaktualizowano|publicerad|"
    r"uppdaterad|publisert|oppdatert|diperbarui|dipublikasikan|güncelleme|yayınlanma)"
    r"(?:\s+(?:on|am|le|el|il|em|op|den|pada|dnia))?:?\s*"
)
_READING = (
    # the longer labels first: the item keeps its first match (``7 min readDec 30, 2013``)
    r"\d+(?:\s*-\s*\d+)?\s*(?:min(?:ute)?s?|minuten)\.?\s+(?:reading(?:\s+time)?|read time|read|"
    r"de lecture|lesezeit|de lectura|de leitura|di lettura)"
    r"|(?:reading time|read time|lesezeit|temps de lecture|tiempo de lectura):?\s*\d+\s*\w*\.?"
)
_SOCIAL = (
    r"facebook|twitter|x|linkedin|e-?mail|mail|whatsapp|pinterest|reddit|telegram|print|"
    r"copy(?:\s+link)?|messenger|flipboard|threads|bluesky|sms|tumblr|pocket"
)
# "Share" in the languages news pages are most often written in (``Artikel teilen:``)
_SHARE_LABEL = (
    r"(?:share|(?:artikel |beitrag )?teilen|partager|partagez|compartir|comparte|compartilhe|"
    r"compartilhar|condividi|delen|dela|udostępnij|paylaş)"
)
_SHARE = (
    rf"(?:{_SHARE_LABEL}(?:\s+(?:this|on))?(?:\s+(?:article|story|post))?:?\s*)?"
    rf"(?:(?:{_SOCIAL})\b[\s,|/•·]*){{2,}}"
    r"|[\d.,]+\s*[km]?\s+(?:shares?|comments?|views?|likes?|reactions?|reads?)"
    r"|(?:shares?|comments?|views?):?\s*[\d.,]+\s*[km]?"
    r"|(?:shares?|comments?|replies):?\s*\(\s*[\d.,]+\s*\)"
)
# Where a field item starts (a byline's "By Jane", a stamp and its date, a bare date, a reading
# time, a share row): a byline's names and role end before one. No lookarounds inside, so it
# can itself sit in a lookahead.
# A date's start stands for the date (a digit, or a month and a digit): the lookahead is spelled
# out at every name, and the whole date would make the patterns twice as long to compile.
_DATE_START = rf"{_DAY}(?:\d|(?:{MONTHS})\.?\s+\d)"
_ITEM_START = (
    rf"(?:(?:by|von|par|por|door|av|af)\s+(?-i:[A-ZÀ-Þ])|{_STAMP_WORDS}(?:{_DATE_START}|{_RELATIVE})"
    rf"|{_RELATIVE}|{_READING}|{_SHARE}|{_DATE_START})"
)
# A byline: "By" (or von/par/por/door/av/af/di) and capitalised names, with an optional role or
# date after a separator; never a sentence (it would end with a full stop).
# Italian ``di`` only in lower case and before names alone: "Di Maio, «il governo non cade»"
# opens with a surname, not a byline.
# Linear (FIELD_LINES holds it in an atomic group, so its first match is the one kept): a name
# is a whole word, never the next item's start; the role after a separator is the rest of the
# line (``By Jo Li – Updated May 2, 2019 | Fact-checked by Al Ng``), or stops before an item.
_BYLINE_NAME = rf"(?!{_ITEM_START})(?-i:[A-ZÀ-Þ])[\w.'’-]*+"
_BYLINE = (
    rf"(?:(?:by|von|par|por|door|av|af)\s++(?:(?:,|&|and\b|und\b|et\b|y\b)?\s*+{_BYLINE_NAME}\s*+){{1,8}}"
    r"(?:\s*+(?:&|and\b|und\b|et\b|y\b))?"
    rf"(?:\s*+[|·•⋅∙,–—-](?:[^.!?]{{0,80}}+(?=[\s|·•⋅∙,–—/-]*+$)"
    rf"|(?:(?<!\w)(?!{_ITEM_START})[^.!?]|(?<=\w)[^.!?]){{0,80}}+))?"
    r"|(?-i:di)\s+(?-i:[A-ZÀ-Þ][\w.'’-]*+(?:\s+(?:e\s+)?[A-ZÀ-Þ][\w.'’-]*+){0,5}))"
)
# Where a byline line's name ends: a separator (``Von Markus Brandt | 18.10.2018``) or a date,
# perhaps after a stamp word (``By Dana Ortiz Published May 2, 2019``).
BYLINE_TAIL = re.compile(
    rf"\s*[|•·⋅∙]|\s+(?=(?:(?:on|am|le|el|em|op)\s+)?(?:{_STAMP_WORDS})?(?:{_DATE}))",
    re.IGNORECASE,
)
# "By Jane" -> "Jane" in the languages bylines are most often written in, with or without a
# colon (``Author: Jane``, Arabic ``بقلم: ...``, Russian ``Автор: ...``, Indonesian ``Oleh``); a
# bare label ("By", "Posted by:") leaves nothing. Italian ``di`` only in lower case ("Di Stefano"
# is a surname).
BYLINE_PREFIX = re.compile(
    r"^(?:(?i:by|von|par|por|door|av|af|oleh|written by|posted by|authored by|author|autor"
    rf"|auteur|автор|بقلم|بواسطة|كتب|{'|'.join(WRITTEN_BY_STARTS)})(?:\s*[:：]\s*|\s+|$)|di\s+)"
)
LINE_DATE = re.compile(_DATE, re.IGNORECASE)  # the date on a byline's line
_FIELD_ITEM = (
    rf"(?:{_STAMP_WORDS}(?:{_DATE}|{_RELATIVE})|{_RELATIVE}|{_READING}|{_SHARE}|{_BYLINE})"
)
# The reporter and the paper named without "By", before a stamp (``Jane Porter, The Riverside
# Courier Published 6:02 p.m. ET Aug. 4, 2018``): capitalised words only, then a stamp word.
# Possessive: a space or a comma follows every name, so the engine need not give letters back.
_NAME = r"(?-i:[A-Z][\w.'’-]*+)"
_CREDIT = (
    rf"{_NAME}(?:\s+(?:(?:and|&)\s+)?{_NAME}){{1,5}}"
    rf"(?:,\s+(?:the\s+)?{_NAME}(?:\s+{_NAME}){{0,4}})?\s+(?={_STAMP_WORDS})"
)
# Matched in time linear in the line: each item is an atomic group (its first match is kept) and
# separators are possessive, so the engine never tries the ways a line splits into items (it
# tried them all: 40 s on a 152-character line of repeated bylines and dates).
FIELD_LINES = re.compile(
    # after the first item a bare date may follow too (``Von Markus Brandt | 18.10.2018, 14:22``)
    rf"^\W*+(?>{_CREDIT})?(?>{_FIELD_ITEM})"
    rf"(?:\s*+[|·•⋅∙,–—/-]?+\s*+(?>{_FIELD_ITEM}|{_DATE}))*+[\s|·•⋅∙,–—/-]*+$",
    re.IGNORECASE,
)
# A bare date or time is a dateline only at the edges of the body (a timeline's dates are text).
# ...or followed by other field items (``May 3, 2018 / 10:32 AM / Updated 2 hours ago``).
DATE_LINES = re.compile(
    rf"^\W*+(?:{_STAMP_WORDS})?(?>{_DATE})(?:\s*+[|·•⋅/,–—-]\s*+(?>{_FIELD_ITEM}|{_TIME}))*+\W*+$",
    re.IGNORECASE,
)
# What tells a reader's comment (``score._signed``) from a live blog's update, a timeline's
# event or a Q&A's answer, all items of one kind beside the headline too: a reply or like
# control or a "Jane says:" line outside its paragraphs, or its commenter on an item with no
# time (a live blog's updates are timed and often signed by their reporters): a profile link,
# an avatar, or a name line (at most THREAD_NAME_WORDS words, none a number, a month, a
# question or a label).
THREAD_CONTROL = re.compile(
    r"(?:reply|respond|like|dislike|report (?:abuse|this comment)|antworten|répondre|responder|"
    r"rispondi|beantwoorden|reageer|svara|svar|odpowiedz|ответить|balas|yanıtla|responda)"
    r"(?:\s*\(?\d+\)?)?|[\d.,]+\s*(?:likes?|replies|responses)"
    r"|.{0,60}\b(?:says|wrote|schrieb|schreibt|sagt|meint|dit|a écrit|escribió|dice|dijo|"
    r"scrive|ha scritto|zegt|schreef|diz|disse|escreveu|skriver|skrev|säger|napisał|пишет|"
    r"написал|menulis|yazdı)\s*:",
    re.IGNORECASE,
)
THREAD_PERSON_QUERY = (
    'img[class*="avatar"], img[src*="avatar"], a[href*="/user"], a[href*="/profile"], '
    'a[href*="/member"]'
)
THREAD_STAMP = re.compile(rf"\d{{1,2}}[:.h]\d{{2}}\b|{_DATE}|{_RELATIVE}", re.IGNORECASE)
THREAD_NAME_WORDS = 4
THREAD_NOT_NAME = re.compile(rf"[?!:;]|(?<!\w)\d+(?!\w)|^(?:(?:{MONTHS})\.?,?\s*)+$", re.IGNORECASE)
# Field lines without a digit start with one of these (bylines, stamps, share rows).
FIELD_FIRST_WORDS = frozenset(
    _words(
        "by von par por door av af di share shares comments views updated published posted",
        "modified created edited last first aktualisiert veröffentlicht mis publié actualizado",
        "publicado aggiornato pubblicato vor il hace há just reading read lesezeit temps tiempo",
        "atualizado gepubliceerd bijgewerkt aktualizacja opublikowano zaktualizowano publicerad",
        "uppdaterad publisert oppdatert diperbarui dipublikasikan güncelleme yayınlanma",
        "facebook twitter x linkedin email e-mail mail whatsapp pinterest reddit telegram print",
        "copy messenger flipboard threads bluesky sms tumblr pocket an one",
        "artikel beitrag teilen partager partagez compartir comparte compartilhe compartilhar",
        "condividi delen dela udostępnij paylaş",
    )
)
MAX_FIELD_LINE = 160  # longer lines are never a field
MAX_DIGIT_FIELD_LINE = 80  # a field line that opens with no field word ("5 minutes ago") is short
MIN_REPEAT_CHARS = 100  # a paragraph this long seen twice is a copy (headings, specs repeat)
FIELD_EDGE = 3  # lines at either end of the body where a bare dateline is dropped

# The words those lines start with: the regex only runs on paragraphs that begin with one.
BOILERPLATE_FIRST_WORDS = frozenset(
    _words(
        "advertisement read related popular recent latest trending share sign subscribe",
        "join get receive follow stay click tap you leave post add be what contact log",
        "login home privacy terms book shop buy order see view check about pin jump",
        "in article tags written reviewed edited fact fact-checked medically disclosure",
        "affiliate disclaimer feature featured header cover last updated published posted this",
        "your embed spread sharing please like enjoy rate average no we let how print font",
        "send reply cancel hide load full from ads font font-size social item submit bookmark",
        "powered",
        "more less show close open hide toggle caption enlarge expand zoom launch play watch",
        "replay photo photos image picture video foto bild illustration most breaking top",
        "editor's editors create start begin unlock claim grab download try apply open",
        "anzeige werbung publicité publicite publicidad pubblicità pubblicita reclame advertentie",
        "publicidade reklama reklam",
        "lesen mehr auch weitere à lire voir lee leer ver te leggi potrebbe lees leia veja",
        "teilen partager compartir condividi delen compartilhar kommentar kommentare",
        "commentaire commentaires comentario comentarios commenti reacties comentários",
        "newsletter jetzt abonnez-vous suscríbete iscriviti abonneer",
        "agrandir fermer ampliar cerrar schließen vergrößern chiudi ingrandisci collapse full",
        "fullscreen plein pantalla vollbild afficher mostrar weniger crédit crédits credit",
        "credits crédito créditos diaporama galerie galería galeria bildergalerie fotostrecke",
        "slideshow gallery like loading loading… loading... etiquetas temas categorías",
        "supported tweet file email e-mail report comments listen zur artikel diesen watch",
        "also le la el already cet ce réservé article weiterlesen",
        "contenido exclusivo kommentieren commenta commentare comente comentar deja escribe",
        "réagir réagissez laisser fotos imagen imagem immagine zdjęcie zdjecie comment",
        "fuente quelle source fonte źródło bron redacción previous next",
        "redaccion redazione redaktion rédaction redaction redação redacao redakcja posted",
        "autoplay thumbnails slide buy vea mira puede siehe zie czytaj przeczytaj sigue seguir",
        "category hits aufrufe zugriffe visite visitas lecturas details kategorie geschrieben",
        "verfasst escrito scritto écrit",
        "baca läs les læs přečtěte citește citeste trefwoorden ämnen emneord tópicos assuntos",
        "palavras-chave parole tagi słowa etiketler anahtar",
        "zobacz související xem ilgili sur noticias notizie notícias advertising next back",
        "fotó kuva",
        "plus più mais najczęściej najnowsze najpopularniejsze meest mest",
        "meistgelesen meistgelesene meistgelesenen meistgeklickt meistkommentiert más dernières",
        "dernieres últimas ultime neueste aktuelle top-themen abonnieren inscrivez-vous assine",
        "cadastre-se zapisz meld unterstützen soutenez apoya apoye sostieni apoie wesprzyj steun",
        "continúa continua weiter weiterlesen suite lea a getty ap pa now up videos topics print",
        "schlagwörter schlagwoerter schlagworte themen kategorien mots-clés mots-cles mots",
        "étiquettes sujets catégories argomenti categorie tag",
        "story article continue scroll keep media getty afp epa reuters ap shutterstock istock",
        "photograph filed tagged topic topics categories copyright © (c) material",
        "http https www pic.twitter.com sponsored paid promoted partner around recommended our",
    )
) | frozenset(WIDGET_ARTICLES)
# Calls to action that sit inside a short paragraph rather than filling it; the markers are
# cheap substring tests that gate the regex.
BOILERPLATE_INSIDE_MARKERS = (
    "newsletter",
    "follow us on",
    "if you ",
    "will be ",
    "uses cookies",
    "use cookies",
)
BOILERPLATE_INSIDE = re.compile(
    r"\b(?:sign up for|subscribe to) (?:our|the)\b.{0,40}\bnewsletter"
    r"|\bfollow us on (?:facebook|instagram|twitter|x|tiktok|linkedin|youtube)\b"
    r"|\bif you (?:liked|enjoyed) this (?:article|post|story)\b"
    r"|\byour (?:information|data|email) will be (?:processed|used|handled)\b"
    r"|^(?:we|this (?:web)?site) uses? cookies\b",
    re.IGNORECASE,
)
# The same matched with case on a lower-cased ASCII line, as BOILERPLATE_LINES_LOWER is.
BOILERPLATE_INSIDE_LOWER = re.compile(BOILERPLATE_INSIDE.pattern)
MAX_BOILERPLATE_LINE = 200  # longer paragraphs are never a call to action
# The same chrome in scripts whose lines have no first word to gate on (Chinese, Japanese) or
# whose words the Latin patterns never name (Russian, Korean): checked on short lines that open
# with a letter past the Latin ones (or with a bracket or arrow before one).
SCRIPT_CHROME_FROM = "\u0370"  # Greek and later scripts
SCRIPT_CHROME_LINE_PATTERNS = (
    # Russian: read also, ads, subscribe, share, comments, galleries, most read, tags
    r"(?:читайте|смотрите) (?:также|ещё|еще|також)\b.{0,100}",
    r"(?:джерело|источник)\s*:.{0,60}|поділитися\b.{0,30}|коментарі(?: \(?\d+\)?)?",
    r"реклама|на правах рекламы",
    r"(?:подписывайтесь|подпишитесь)\b.{0,80}",
    r"поделиться\b.{0,30}",
    r"комментари(?:и|ев|й)(?: \(?\d+\)?)?",
    r"(?:фото|видео|изображение|слайд)\s*\d{1,3}\s*(?:из|/)\s*\d{1,3}",
    r"(?:фото|видео|источник|иллюстрация)\s*:\s.{0,80}",
    r"показать (?:ещё|еще|больше|полностью)|развернуть|свернуть|закрыть|подробнее",
    r"(?:самое (?:читаемое|популярное)|материалы по теме|новости партн[её]ров)\b.{0,20}",
    r"(?:обсуждение|отзывы)(?: \(?\d+\)?)?|популярное|последние новости|самое обсуждаемое",
    r"(?:теги|метки|по теме)\s*:.{0,150}",
    # Arabic: read also, the source, share, tags, comments, ads, most read
    r"(?:اقرأ|إقرأ|اقرا) (?:أيضا|أيضاً|ايضا)\b.{0,120}",
    r"(?:المصدر|مصدر)\s*:.{0,60}",
    r"(?:شارك|مشاركة)(?: (?:هذا|هذه) (?:الخبر|المقال|المقالة|الموضوع))?"
    r"(?:\s*(?:على|عبر)\b.{0,30})?",
    r"(?:الوسوم|وسوم|الكلمات المفتاحية|كلمات مفتاحية|الكلمات الدلالية)\s*:.{0,150}",
    r"(?:التعليقات|تعليقات)(?: \(?\d+\)?)?|(?:إعلان|اعلان)|(?:الأكثر|الاكثر) (?:قراءة|مشاهدة)",
    # Chinese: original title, source and editor notes, share and comment labels, rankings
    r"[（(]?原标题[：:].{0,100}?[）)]?",
    r"(?:(?:本文来源|来源|责任编辑|编辑|责编|作者)[：:][^：:]{0,40}){1,3}",
    r"(?:分享到|扫一扫|打开微信).{0,40}",
    r"跟[贴帖]\s*\d+\s*条|(?:相关新闻|相关阅读|相关文章|相关报道|热门推荐|热门跟[贴帖]|\d*小时?点击排行)",
    r"(?:延伸阅读|推荐阅读)[：:]?.{0,100}|阅读全文|关注我们|点击(?:查看|进入|这里)",
    r"标签[：:].{0,100}",
    # Japanese: share, related, read on, photo credits, tags
    r"この記事を(?:シェア|共有)(?:する)?|(?:シェア|ツイート|いいね)",
    r"関連記事.{0,60}|(?:記事の)?続きを読む|広告|(?:アクセス|記事)?ランキング|写真",
    r"(?:写真|画像|撮影)[＝=:：].{0,40}",
    r"タグ[：:].{0,100}",
    # Korean: related articles, the wire's copyright notice, the reporter line, rankings
    r"관련\s*(?:기사|뉴스)\s*[:：]?.{0,100}",
    r".{0,60}(?:무단\s*전재|재배포\s*금지).{0,60}",
    r"[<〈]?저작권자.{0,80}",
    r"\S{2,5}\s*기자(?:\s+\S+@\S+)?",
    r"많이 본 (?:뉴스|기사)|인기 기사|공유하기|댓글\s*\d*",
    # comment counters and calls in Chinese and Japanese
    r"(?:网友)?评论\s*[（(]?\d*[）)]?|\d+\s*条评论|我要评论|コメント\s*[（(]?\d*[）)]?",
)
SCRIPT_CHROME_LINES = re.compile(
    "^[^\\w]*(?:" + "|".join(SCRIPT_CHROME_LINE_PATTERNS) + r")[.!:。！]?$", re.IGNORECASE
)
# Longer notes that open with a label and are never article text: recipe-blog rating
# requests, image credits for the whole post, ad terms. (Disclosures are the author's words.)
LONG_CHROME_FIRST_WORDS = frozenset(_words("did feature featured header cover bonus"))
LONG_CHROME = re.compile(
    r"^(?:did you (?:make|try|bake|cook) (?:this|one of (?:my|our)|my|our)\b"
    r"|(?:featured?|header|cover) image (?:by|via|credit)\b"
    r"|bonus:.{0,300}\bterms (?:and conditions )?apply\.?$)",
    re.IGNORECASE,
)
MAX_LONG_CHROME_LINE = 500
ARTICLE_BODY_SPLIT = re.compile(r"\n\s*\n|\n")
_LD_TAGS = r"(?:p|a|br|div|span|strong|em|b|i|h[1-6]|ul|ol|li|figure|img)\b"
LD_MARKUP = re.compile(f"<{_LD_TAGS}", re.I)
LD_ESCAPED_MARKUP = re.compile(f"&lt;/?{_LD_TAGS}", re.I)  # still escaped after one unescape
LD_BLOCK_QUERY = "p, li, h2, h3, h4, h5, h6, blockquote, pre"
LD_AGREE_MIN_CHARS = 250  # a JSON-LD articleBody this long is a claim worth checking
LD_AGREE_SHARE = 0.2  # the extracted text it must contain, else the paragraphs are re-scored
ARTICLE_BODY_TRUST = 0.5  # use JSON-LD articleBody when the DOM found less than this share
# Text that went through one decoding step too few. An entity still visible in a heading
# (``SQL &#x26; AI``) was escaped twice in the source; UTF-8 read as Latin-1 or cp1252 shows as a
# lead byte (U+00C2-U+00F4) followed by a continuation byte (0x80-0xBF, as Latin-1 reads it or as
# cp1252 does): ``Investor\u00e2\u0080\u0099s``.
LEFTOVER_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]"
)
MOJIBAKE_LEADS = "".join(map(chr, range(0xC2, 0xF5)))  # each a fast substring test

# --- live blogs (worker.extract.liveblog) ------------------------------------------------------
LIVE_LD_TYPES = frozenset({"LiveBlogPosting"})
LIVE_LD_UPDATES = "liveBlogUpdate"  # the JSON-LD property holding the entries
# A URL path naming a live blog: /live/, /live-updates-..., /2026/dec/01/live, liveblog.
LIVE_PATH = re.compile(r"(?:^|/)live(?:$|/|-|_)|liveblog|live-?updates?(?:$|/|-)", re.IGNORECASE)
# Timestamped blocks under one parent that make a live blog: fewer when the page says it is one
# (JSON-LD or its path), more (each with real prose) when only the DOM tells.
LIVE_MIN_ENTRIES_HINTED = 2
LIVE_MIN_ENTRIES = 5
LIVE_MIN_ENTRY_WORDS = 8  # unhinted: a teaser list ("Latest news") has shorter items
LIVE_MAX_LINK_SHARE = 0.5  # unhinted: entries that are mostly link text are a list of links
LIVE_CLIMB_LEVELS = 12  # how far above a <time> its entry's container is looked for
LIVE_TITLE_QUERY = "h2, h3, h4, h5"
LIVE_TEXT_QUERY = "p, li, blockquote, pre"
LIVE_CHROME_TAGS = frozenset({"nav", "aside", "footer"})  # a list of times there is no live blog
# Class or id words of timestamped lists that are not a live blog's stream: reader comments.
# Whole words (see ``classes``): ``live-commentary`` is a stream, ``comment-list`` is not.
LIVE_NOT_STREAM_WORDS = _words(
    "comment comments commentlist reply replies respond disqus discussion discussions"
)
LIVE_MIN_BODY_SHARE = 0.5  # unhinted: the entries must hold this share of the article's text
# Attributes that name an entry for good (its text and even its time may be edited).
LIVE_ID_ATTRIBUTES = ("id", "data-post-id", "data-entry-id", "data-id", "data-block-id")
LIVE_KEY_WORDS = 8  # an entry with no id is known by its time and this many first words

# --- xscan9 ---
# Attribute names the whole-document queries test on every element (PRUNE_QUERY, SCAN_QUERY,
# page's ``[itemtype]``) that lexbor has no static id for. Its selector engine caches an
# attribute's id only once the document knows the name, so on a page without one of them
# (182 of 262 dev pages have no ``itemprop``) every element cost a hash lookup of the name:
# ``document.register_attribute_names`` makes the document know them first.
QUERIED_ATTRIBUTE_NAMES = ("hidden", "aria-hidden", "itemprop", "itemtype")
