// Generates custom-elements.json from the components' class comments and `static properties`. The
// tags are defined in separate files, so each class is mapped to its tag name here.
const tagNames = { DrinkUploader: 'drink-uploader', DrinkViewer: 'drink-viewer' };

export default {
  globs: ['widget/**/*.ts'],
  exclude: ['widget/**/*.test.ts', 'widget/testing/**', 'widget/react.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    {
      name: 'drink-widgets-tag-names',
      analyzePhase({ ts, node, moduleDoc }) {
        if (!ts.isClassDeclaration(node) || !node.name) return;
        const tagName = tagNames[node.name.getText()];
        const declaration = moduleDoc.declarations?.find((item) => item.name === node.name.getText());
        if (tagName && declaration) {
          declaration.tagName = tagName;
          declaration.customElement = true;
        }
      },
      // The analyzer lists `state: true` entries of `static properties` as attributes, although
      // Lit gives internal state no attribute. They are the private fields, so they are dropped,
      // and so are the form lifecycle callbacks, which the browser calls and pages never do.
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (!declaration.customElement) continue;
            const hidden = new Set(
              (declaration.members ?? [])
                .filter((member) => member.privacy === 'private' || member.name.endsWith('Callback'))
                .map((member) => member.name),
            );
            declaration.attributes = declaration.attributes?.filter((attribute) => !hidden.has(attribute.fieldName ?? attribute.name));
            declaration.members = declaration.members?.filter((member) => !hidden.has(member.name));
          }
        }
      },
    },
  ],
};
