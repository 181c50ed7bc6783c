/**
 * Passwords (and stems of passwords) that head the lists of leaked ones:
 * the top of the RockYou and "10k most common" lists, SplashData's and
 * NordPass's yearly top lists, NCSC's top 100 000, keyboard walks, and the
 * Norwegian words that lead Norwegian leaks. Lowercase, NFC; a password
 * equal to one of these, or one of these followed by digits or symbols, is
 * refused (`checkPassword`). Short stems are here on purpose: they are what
 * `password2024!` or `sommer123456` are made of.
 */
const LIST = `
000000 0000000 00000000 0987654321 1111 11111 111111 1111111 11111111 112233
121212 123 1234 12345 123123 123321 123456 1234567 12345678 123456789
1234567890 123654 123qwe 1314520 147258 147258369 159357 159753 1q2w3e
1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx 1qaz2wsx3edc 2000 222222 252525 4321
456789 5201314 555555 654321 666666 6969 696969 7777777 777777 789456
789456123 888888 987654 987654321 999999 aa123456 aaaaaa abc abc123 abcd
abcd1234 abcdef abcdefg abcdefgh access admin administrator adobe123 alexander
amanda andrea andrew angel angels anthony apple asd asdasd asdf asdf1234
asdfasdf asdfg asdfgh asdfghjkl asdfghjklæø ashley austin azerty baby babygirl
bailey banan banana bandit barcelona baseball basketball batman bergen bigdog
biteme blink182 blowme bond007 boomer boston brandon brann buster butterfly
cameron carlos changeme charlie chelsea chicago chicken chocolate computer
cookie corvette cowboy cowboys crystal dakota dallas daniel danielle default
dexter diamond donald dragon dragonball eagles elsker elskerdeg eminem england
euro2016 everton family familie ferrari flower football forever fotball
freedom friends fuckoff fuckyou gandalf george ginger gizmo godzilla golf
golfer google guest hallo hannah harley heisann hello hellokitty hemmelig
hockey hottie hunter iloveyou internet jack jackson jaguar jasmine
jegelskerdeg jennifer jessica jesus jordan jordan23 joshua junior justin katt
killer kjæreste lakers letmein liverpool login london love lovely loveme
lovers maggie mamma manchester marina master matrix matthew maverick melissa
mercedes merlin michael michelle midnight mike minecraft molde money monkey
monster mother mustang nicole nintendo nirvana norge nordmann oliver orange
oslo pakistan passord passord1 pass passw0rd password password1 passwort
pepper peter phoenix pokemon princess pusekatt purple qazwsx qazwsxedc qwe
qwe123 qwer qwer1234 qwert qwerty qwerty123 qwertyu qwertyui qwertyuiop
qwertyuiopå qwertz rainbow ranger robert rosenborg sakura samantha samsung
scooter secret senha shadow shannon sharingan solskinn soccer sommer
sommer2020 sophie spiderman starwars stavanger steelers summer sunshine
superman taylor test test123 testing thomas thunder tigger tinkerbell toyota
trondheim trustno1 unknown vinter viking vålerenga velkommen welcome welcome1
whatever william winner winter xbox360 yamaha yankees zaq12wsx zxcvbn zxcvbnm
zxcvbnm123 hunter2 iloveu ilovegod monkey123 michael1 charlie1 qwerty1 jesus1
loveyou lol lol123 lmao 696969696969 aaaaaaaaaaaa abcabcabc abcdefghijkl
qwertyqwerty passwordpassword iloveyouiloveyou 123456654321 123123123123
qweasdzxc qweasd asdzxc zaqxsw mnbvcxz poiuytrewq lkjhgfdsa ytrewq trewq
1234qwer 12qwaszx q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6 a1b2c3 a1b2c3d4 1a2b3c
zxc123 asd123 qaz123 superstar starwars1 hallo123 godjul jul julenissen fredag
lørdag søndag mandag januar februar mars april mai juni juli august september
oktober november desember spring autumn fall monday friday sunday january
december august2020 snowball snowman hund bamse realmadrid pappa
`;

/** The list as a set, NFC-normalised and lowercase. */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  LIST.split(/\s+/).filter((w) => w !== "").map((w) =>
    w.normalize("NFC").toLowerCase()
  ),
);
