"""Generate a synthetic association for the benchmark: 50 badges and N awards, deterministic.

    python benchmarks/synth.py OUT_DIR --awards 10000 [--seed 7]

OUT_DIR gets `content/` (site.yaml, badges/*.md, images/, awards/*.yaml, ledger.json). Half the
badges have a PNG image, half an SVG; criteria are Markdown with lists, links and emphasis; most
badges carry alignments. Awards are spread over award files of about 250 recipients (one badge
per file, like a cohort), with accented names, realistic emails and evidence on a third of them.

The ledger is generated too (ids and salts from the seeded generator), as an association's
committed ledger would be: the benchmark's cold build then measures building, not id drawing.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import shutil
import sys
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

BADGE_COUNT = 50
PER_FILE = 250
ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"

FIRST_NAMES = [
    "Camille",
    "Jérôme",
    "Amina",
    "Léa",
    "Thomas",
    "Zoé",
    "Noël",
    "Anaïs",
    "François",
    "Chloé",
    "Hélène",
    "Raphaël",
    "Maëlle",
    "Joël",
    "Inès",
    "Benoît",
    "Océane",
    "Loïc",
    "Célia",
    "Mathéo",
    "Agnès",
    "Gaëtan",
    "Émilie",
    "Timothée",
    "Sofía",
    "José",
    "Björn",
    "Ælfrida",
    "Nguyễn",
    "Yasmine",
    "Ana",
    "Marc",
    "Élodie",
    "Cédric",
    "Bérénice",
    "Aurélien",
    "Margaux",
    "Stéphane",
    "Lucie",
    "Hugo",
]
LAST_NAMES = [
    "Martin",
    "Leclerc",
    "Diallo",
    "Nguyen",
    "Bernard",
    "Lefèvre",
    "Gauthier",
    "Müller",
    "Dupré",
    "Castaño",
    "Öztürk",
    "Béranger",
    "Moreau",
    "Faure",
    "Rousseau",
    "Girard",
    "Mercier",
    "Ménard",
    "Le Gall",
    "Kerbiriou",
    "Da Silva",
    "Šimić",
    "Lambert",
    "Fournier",
    "Perrin",
    "Chevalier",
    "Garnier",
    "Boyer",
    "Brun",
    "Roux",
    "Vidal",
    "Guérin",
    "Bonnet",
    "Dubois",
    "André",
    "Mallet",
]
DOMAINS = [
    "example.org",
    "exemple.fr",
    "mail.example.com",
    "univ-exemple.fr",
    "asso.example.net",
    "lycee-exemple.fr",
    "example.coop",
]
TOPICS = [
    ("atelier-reparation", "Atelier de réparation", "réparation"),
    ("gestion-de-projet", "Gestion de projet", "projet"),
    ("fablab", "Fabrication numérique", "fablab"),
    ("mediation", "Médiation numérique", "médiation"),
    ("logiciel-libre", "Logiciel libre", "libre"),
    ("animation", "Animation d'atelier", "animation"),
    ("documentation", "Documentation collective", "documentation"),
    ("electronique", "Électronique de base", "électronique"),
    ("couture", "Couture et textile", "textile"),
    ("velo", "Mécanique vélo", "vélo"),
]
LEVELS = ["découverte", "pratique", "confirmé", "référent", "formateur"]


@dataclass(frozen=True)
class BadgeSpec:
    slug: str
    name: str
    image_type: str


def ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalnum() or c in "-.")


def png_image(rng: random.Random, index: int) -> bytes:
    from PIL import Image, ImageDraw

    size = 256
    hue = rng.randrange(360)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    colour = f"hsl({hue}, 65%, 45%)"
    draw.ellipse((8, 8, size - 8, size - 8), fill=colour, outline="white", width=6)
    for ring in range(4):
        r = 30 + ring * 18
        draw.ellipse((128 - r, 128 - r, 128 + r, 128 + r), outline=(255, 255, 255, 160), width=3)
    draw.text((110, 120), f"{index:02d}", fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def svg_image(rng: random.Random, index: int) -> bytes:
    hue = rng.randrange(360)
    rays = "\n".join(
        f'  <rect x="124" y="20" width="8" height="40" fill="#fff" '
        f'transform="rotate({angle} 128 128)"/>'
        for angle in range(0, 360, 30)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">\n'
        f"  <title>Badge {index:02d}</title>\n"
        f'  <circle cx="128" cy="128" r="120" fill="hsl({hue}, 60%, 40%)" stroke="#fff" '
        'stroke-width="6"/>\n'
        f"{rays}\n"
        f'  <text x="128" y="140" font-size="40" text-anchor="middle" fill="#fff">{index:02d}'
        "</text>\n"
        "</svg>\n"
    ).encode()


def criteria(rng: random.Random, name: str, topic: str) -> str:
    steps = rng.randint(3, 6)
    items = "\n".join(
        f"{n}. avoir {rng.choice(['animé', 'documenté', 'réalisé', 'présenté', 'encadré'])} "
        f"au moins {rng.randint(1, 5)} séance(s) de *{topic}* "
        f"({rng.choice(['en binôme', 'seul·e', 'en groupe', 'avec le public'])}) ;"
        for n in range(1, steps + 1)
    )
    return (
        f"Ce badge reconnaît les personnes qui maîtrisent **{name.lower()}** au niveau "
        f"attendu par l'association.\n\n"
        f"Pour l'obtenir, il faut :\n\n{items}\n\n"
        f"La démarche est décrite sur [le wiki](https://wiki.example.org/{ascii_fold(topic)}) ; "
        "les preuves sont déposées sur <https://traces.example.org/>.\n\n"
        "> Un badge dit : *je sais faire, et je sais transmettre ce que j'ai appris.*\n\n"
        "| Étape | Durée |\n|---|---|\n| Accueil | 1 h |\n| Pratique | 3 h |\n"
    )


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def write_badges(content: Path, rng: random.Random) -> list[BadgeSpec]:
    (content / "badges").mkdir(parents=True)
    (content / "images").mkdir(parents=True, exist_ok=True)
    badges = []
    for index in range(BADGE_COUNT):
        slug_base, title, topic = TOPICS[index % len(TOPICS)]
        level = LEVELS[index // len(TOPICS) % len(LEVELS)]
        slug = f"{slug_base}-{ascii_fold(level)}"
        name = f"{title} – {level}"
        kind = "png" if index % 2 == 0 else "svg"
        image = png_image(rng, index) if kind == "png" else svg_image(rng, index)
        (content / "images" / f"{slug}.{kind}").write_bytes(image)
        alignments = ""
        # ESCO concept URIs have this form (insigne check refuses others); the concepts are
        # made up, derived from the slug so that they do not draw from the generator.
        esco_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"synth:{slug}")
        if index % 5 != 4:
            alignments = (
                "alignments:\n"
                f"  - name: {quoted('Compétence ESCO : ' + topic)}\n"
                f"    url: http://data.europa.eu/esco/skill/{esco_uuid}\n"
                f"    framework: ESCO\n"
                f"    code: {esco_uuid}\n"
                f"  - name: {quoted('Référentiel ' + title)}\n"
                f"    url: https://referentiel.example.org/{slug}\n"
            )
        front = (
            "---\n"
            f"name: {quoted(name)}\n"
            f"description: {quoted(f'Reconnaît une pratique {level} : {title.lower()}.')}\n"
            f"image: images/{slug}.{kind}\n"
            f"tags: [{quoted(topic)}, {quoted(level)}]\n"
            f"{alignments}"
            "---\n"
        )
        (content / "badges" / f"{slug}.md").write_text(front + criteria(rng, title, topic), "utf-8")
        badges.append(BadgeSpec(slug, name, kind))
    return badges


def award_key(badge: str, who: str, day: str) -> str:
    # Mirrors generator.ledger.award_key; checked against it in run.py before measuring.
    raw = "\0".join((badge, who, day))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def write_awards(content: Path, rng: random.Random, badges: list[BadgeSpec], count: int) -> None:
    (content / "awards").mkdir(parents=True)
    ledger: dict[str, dict[str, str]] = {}
    ids: set[str] = set()
    start = date(2019, 1, 1)
    files = max(1, (count + PER_FILE - 1) // PER_FILE)
    made = 0
    for number in range(files):
        badge = badges[number % len(badges)]
        day = start + timedelta(days=(number * 7) % 2000)
        size = min(PER_FILE, count - made)
        lines = [
            f"# Cohort {number + 1}: {badge.name}",
            f"badge: {badge.slug}",
            f"issued_on: {day.isoformat()}",
            "recipients:",
        ]
        for _ in range(size):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{ascii_fold(first)}.{ascii_fold(last).replace(' ', '')}{made}"
            email = f"{local}@{rng.choice(DOMAINS)}"
            own_day = day
            lines.append(f"  - email: {email}")
            lines.append(f"    name: {quoted(first + ' ' + last)}")
            if rng.random() < 0.1:
                own_day = day + timedelta(days=rng.randint(1, 20))
                lines.append(f"    issued_on: {own_day.isoformat()}")
            if made % 3 == 0:
                lines.append("    evidence:")
                lines.append(f"      - url: https://traces.example.org/{local}/{made}")
                lines.append(f"        name: {quoted('Carnet de ' + first)}")
            if rng.random() < 0.05:
                lines.append("    public: true")
            while True:
                award_id = "".join(rng.choice(ID_ALPHABET) for _ in range(10))
                if award_id not in ids:
                    ids.add(award_id)
                    break
            ledger[award_key(badge.slug, email, own_day.isoformat())] = {
                "id": award_id,
                "salt": f"{rng.getrandbits(128):032x}",
                "badge": badge.slug,
                "issued_on": own_day.isoformat(),
            }
            made += 1
        (content / "awards" / f"{number + 1:05d}-{badge.slug}.yaml").write_text(
            "\n".join(lines) + "\n", "utf-8"
        )
    # The ledger's format 2 (generator/ledger.py): an entry per line, the version last.
    body = "".join(
        f"{json.dumps(k)}: {json.dumps(ledger[k], ensure_ascii=False)},\n" for k in sorted(ledger)
    )
    (content / "ledger.json").write_text(f'{{\n{body}"version": 2}}\n', "utf-8")


def write_site(content: Path, rng: random.Random) -> None:
    content.mkdir(parents=True, exist_ok=True)
    (content / "images").mkdir(parents=True, exist_ok=True)
    (content / "images" / "issuer.png").write_bytes(png_image(rng, 0))
    (content / "site.yaml").write_text(
        "base_url: https://badges.example.org/\n"
        "title: Les open badges du Réseau des fabriques\n"
        "language: fr\n"
        "timezone: Europe/Paris\n"
        "issuer:\n"
        "  name: Réseau des fabriques – Association synthétique\n"
        "  url: https://www.example.org/\n"
        "  email: badges@example.org\n"
        "  description: Un réseau d'associations qui reconnaît les pratiques numériques.\n"
        "  image: images/issuer.png\n",
        "utf-8",
    )


def generate(out: Path, awards: int, seed: int = 7) -> Path:
    """Write `out/content` and return its path (any previous `out/content` is replaced)."""
    rng = random.Random(seed)
    content = out / "content"
    if content.exists():
        shutil.rmtree(content)
    write_site(content, rng)
    badges = write_badges(content, rng)
    write_awards(content, rng, badges, awards)
    return content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--awards", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    content = generate(args.out, args.awards, args.seed)
    print(f"wrote {content} with {BADGE_COUNT} badges and {args.awards} awards")
    return 0


if __name__ == "__main__":
    sys.exit(main())
