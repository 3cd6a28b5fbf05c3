#!/usr/bin/env bash
# Lays out the garden camera's pictures from Debian packages under runs/garden/ (links, nothing copied), installing
# the packages when missing. Used by scripts/train-garden.sh, make-garden-clips.sh,
# train-backbone.sh, garden-ablation.sh and garden.sh.
#   runs/garden/items/all/{bird,mammal}/      every photographic cut-out (PNG with alpha) of tuxpaint-stamps-default
#       under stamps/animals/birds and stamps/animals/mammals, leaving out cartoon/, toys/ and aquatic/
#   runs/garden/items/seen/{bird,mammal}/     two thirds of them; every third file in sorted path order is kept out ...
#   runs/garden/items/unseen/{bird,mammal}/   ... here: species a model trained on seen/ never saw
#   runs/garden/photos/train/                 nine nature photographs of mate-backgrounds (the gardens trained on)
#   runs/garden/photos/clip/                  Blinds, Storm and Wood from the same folder: never trained on
#   runs/garden/photos/home/                  Garden, GreenMeadow, LadyBird: "your garden" for scripts/garden.sh
set -euo pipefail
source "$(dirname "$0")/lib/help.sh" "$0" "${1:-}"
cd "$(dirname "$0")/.."
scripts/install-deps.sh tuxpaint-stamps-default mate-backgrounds

stamps=/usr/share/tuxpaint/stamps/animals
photos=/usr/share/backgrounds/mate/nature
root=runs/garden
rm -rf "$root/items" "$root/photos"
for class in bird mammal; do
  folder=birds; [ "$class" = mammal ] && folder=mammals
  mkdir -p "$root/items/all/$class" "$root/items/seen/$class" "$root/items/unseen/$class"
  n=0
  while IFS= read -r file; do
    name=$(echo "${file#"$stamps/$folder/"}" | tr '/' '-')
    ln -s "$file" "$root/items/all/$class/$name"
    if [ $((n % 3)) -eq 2 ]; then ln -s "$file" "$root/items/unseen/$class/$name"; else ln -s "$file" "$root/items/seen/$class/$name"; fi
    n=$((n + 1))
  done < <(find "$stamps/$folder" -name '*.png' -not -path '*/cartoon/*' -not -path '*/toys/*' -not -path '*/aquatic/*' | LC_ALL=C sort)
done

link() { mkdir -p "$root/photos/$1"; shift_to=$1; shift; for photo in "$@"; do ln -s "$photos/$photo.jpg" "$root/photos/$shift_to/$photo.jpg"; done; }
link train Aqua Dune FreshFlower Garden GreenMeadow LadyBird RainDrops TwoWings YellowFlower
link clip Blinds Storm Wood
link home Garden GreenMeadow LadyBird
echo "garden pictures in $root: $(ls "$root/items/all/bird" | wc -l) birds and $(ls "$root/items/all/mammal" | wc -l) mammals" \
  "($(ls "$root/items/unseen/bird" | wc -l) and $(ls "$root/items/unseen/mammal" | wc -l) of them held out as unseen species)," \
  "$(ls "$root/photos/train" | wc -l) photographs to train on, $(ls "$root/photos/clip" | wc -l) held out for the clip"
